"""/imports/: templates, upload, dry run and confirmation of an import."""
