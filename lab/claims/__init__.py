"""The articles' claims as experiments: `spec` reads them (claims.toml), `experiments` measures,
`verdict` turns numbers into verdicts, `output` writes claims.json/.md, `readme` fills the table of
docs/claims.md."""

from __future__ import annotations
