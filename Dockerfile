# The measure-ledger image: the project installed from this checkout, run as a non-root user.
# Used by docker-compose.yml for `consume` (scalable), `feed` and `api` (`serve`); any other
# command works too:
#   docker run --rm -e LEDGER_STORE=postgresql://... measure-ledger measure-ledger status
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Metadata first, then the packages (the list in pyproject.toml; a test keeps the two equal).
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY store ./store
COPY projections ./projections
COPY ledger ./ledger
COPY consumers ./consumers
COPY api ./api
COPY cli ./cli
COPY synthetic ./synthetic
COPY schema ./schema
# /keys belongs to the ledger user in the image, so the named volume compose mounts there is
# created with that owner: the first process creates the signing key, the feed its key.
RUN pip install . \
    && useradd --create-home --uid 10001 ledger \
    && mkdir -m 700 /keys && chown ledger /keys

USER ledger
WORKDIR /home/ledger
# SIGTERM reaches measure-ledger directly (exec form): `consume` finishes its batch,
# commits and exits 0 within the compose stop_grace_period; `serve` finishes the requests in
# hand and exits 0.
CMD ["measure-ledger", "--help"]
