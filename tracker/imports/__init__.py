"""Importing the spreadsheets an Inspektorat already keeps: OPDs, officials, commitments
and the TLHP matrix (see :mod:`tracker.imports.base`)."""
