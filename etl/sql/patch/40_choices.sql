-- mart_choices (choices_of, 12_mart_macros.sql, over the signed versions): a unit counts once per option it chose,
-- so its signed rows are added by key (etl/patch.py merge_sql) and a row left with no unit goes. An option whose
-- units did not change adds nothing and is left out of the delta.
create temp table patch_choice_delta as
select * from choices_of('patch_signed_basis');
