"""`lab tune` (issue 23): a model-guided search of a configuration space for the point that meets the SLOs."""
