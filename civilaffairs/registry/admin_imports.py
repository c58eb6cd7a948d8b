"""Admin for department-data import batches and records, with the upload view."""
