# The lab's image: the app (`lab serve`) and the load generator (`locust`) with the lab's locustfiles.
# docker-compose.yml runs it as `app`, `locust-master` and `locust-worker`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /lab
# The exact versions of constraints.txt: the image serves what `make run` measures.
COPY pyproject.toml constraints.txt README.md ./
COPY lab ./lab
# Before the install: lab/locustfiles links to it, and the package ships the files.
COPY locustfiles ./locustfiles
RUN pip install -c constraints.txt . \
    && useradd --create-home --uid 1000 lab

USER lab
ENV LAB_CONFIG=uvicorn-single
EXPOSE 8000 8089 9646
# Shell form for $LAB_CONFIG; exec, so `lab serve` gets SIGTERM from `docker compose stop` and stops its
# whole process tree.
CMD ["sh", "-c", "exec lab serve \"$LAB_CONFIG\" --server-host 0.0.0.0 --port 8000"]
