"""The HTTP API and the web pages of `serve`: an entry point, beside the command line.

Everything here reads through the service (`ledger.service.Ledger`) and the projections'
read functions; nothing here writes but `POST /api/v1/events`, which takes the same path
as a file or a Kafka batch.
"""
