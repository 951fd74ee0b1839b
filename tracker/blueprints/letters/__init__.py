"""Letters anyone may verify: SKBT certificates and their public verification page."""
