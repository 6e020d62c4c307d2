"""The half-year overview for the inspectorate (IGJ): its period, counting rules and model.

Pure: a report is computed from a list of facts (everything the ledger held up to one
position) and a pseudonym function; reading those facts and binding the result to a signed
ledger state are the outer layers' work. The definitions are in docs/report.md.
"""
