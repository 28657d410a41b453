"""Result folders: writing and reading the Parquet tables and the manifest."""
