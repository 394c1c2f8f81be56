-- Grain: one row: the version of the ETL code that built the published database (etl/versions.py), stored in
-- meta_build's build row; patches are applied only by the same code.
-- Params: none.
select build_version from meta_build where kind = 'build'
