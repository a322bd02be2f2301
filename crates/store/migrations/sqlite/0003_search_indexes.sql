-- Searches by country and year of return find their placements through this index, then their
-- people, instead of probing every person in scope.
create index placement_country_return on placement (country, return_date, person_id);
