"""The Splink model of the benchmark, committed so that anyone can see how Splink was configured.

It starts from Splink's own person-deduplication example (the "deduplicate 50k synthetic"
demo: ForenameSurnameComparison with a concatenated name column and term-frequency
adjustments, DateOfBirthComparison, exact matches with term frequencies on places, EM trained
on a name block and on a date-of-birth block, u from random sampling, clustering at 0.95) and
adds what a capable user would add for these lists: the NIK (or FEBRL's social security id)
compared with Damerau-Levenshtein so single-digit slips and transpositions still count, the
phone number, sex, and the address parts. The same function serves every data set: a
comparison or blocking rule is used only when its columns exist.

Blocking rules are lists of columns (equality on each), so that the benchmark can also count
which true pairs they generate (blocking recall) with the very same rules.
"""

from __future__ import annotations

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on

# Scores below this never reach clustering; the example uses 0.2.
PREDICT_THRESHOLD = 0.2
# The example's clustering threshold.
CLUSTER_THRESHOLD = 0.95
# Pairs an EM session may use; larger blocks are sampled by Splink (records hashed on each side).
EM_MAX_PAIRS = 1e7

# Candidate blocking rules for prediction, most specific first. Each is used when all its
# columns exist in the data. Together they are at least as broad as the EMAS engine's keys
# (identifier, phone, name with birth date, name with place, birth date with place).
PREDICTION_RULES: list[list[str]] = [
    ["nik"],
    ["id_number"],
    ["phone"],
    ["first_name", "dob"],
    ["surname", "dob"],
    ["name_concat", "district"],
    ["first_name", "surname", "district"],
    ["first_name", "surname", "postcode"],
    ["first_name", "village"],
    ["surname", "village"],
    ["dob", "district"],
    ["dob", "village"],
    ["dob", "postcode"],
]


def prediction_rules(columns: set[str]) -> list[list[str]]:
    return [r for r in PREDICTION_RULES if all(c in columns for c in r)]


def comparisons(columns: set[str]) -> list:
    c = []
    if {"first_name", "surname", "name_concat"} <= columns:
        c.append(
            cl.ForenameSurnameComparison(
                "first_name", "surname", forename_surname_concat_col_name="name_concat"
            )
        )
    elif "first_name" in columns:
        c.append(cl.NameComparison("first_name").configure(term_frequency_adjustments=True))
    if "dob" in columns:
        c.append(cl.DateOfBirthComparison("dob", input_is_string=True))
    if "nik" in columns:
        c.append(cl.DamerauLevenshteinAtThresholds("nik", [1, 2]))
    if "id_number" in columns:
        c.append(cl.DamerauLevenshteinAtThresholds("id_number", [1, 2]))
    if "sex" in columns:
        c.append(cl.ExactMatch("sex"))
    if "phone" in columns:
        c.append(cl.ExactMatch("phone").configure(term_frequency_adjustments=True))
    if "email" in columns:
        c.append(cl.EmailComparison("email"))
    if "birth_place" in columns:
        c.append(cl.ExactMatch("birth_place").configure(term_frequency_adjustments=True))
    # One comparison for where a person lives, from the most to the least specific part:
    # scoring the address text, the village and the district separately would count one
    # household three times (they are far from independent), and siblings share all three.
    place_levels = []
    if "address" in columns:
        place_levels += [cll.JaroWinklerLevel("address", 0.95), cll.JaroWinklerLevel("address", 0.85)]
    if {"village", "district"} <= columns:
        place_levels.append(cll.And(cll.ExactMatchLevel("village"), cll.ExactMatchLevel("district")))
    elif "village" in columns:
        place_levels.append(cll.JaroWinklerLevel("village", 0.9))
    if "district" in columns:
        place_levels.append(cll.ExactMatchLevel("district"))
    if place_levels:
        place_cols = [x for x in ("address", "village", "district") if x in columns]
        null = cll.And(*[cll.NullLevel(x) for x in place_cols]) if len(place_cols) > 1 else cll.NullLevel(place_cols[0])
        c.append(
            cl.CustomComparison(
                output_column_name="place",
                comparison_levels=[null, *place_levels, cll.ElseLevel()],
                comparison_description="address text, then village, then district",
            )
        )
    if "postcode" in columns:
        c.append(cl.LevenshteinAtThresholds("postcode", [1]).configure(term_frequency_adjustments=True))
    if "regency" in columns:
        c.append(cl.ExactMatch("regency"))
    if "province" in columns:
        c.append(cl.ExactMatch("province").configure(term_frequency_adjustments=True))
    return c


def settings(columns: set[str], link_type: str) -> SettingsCreator:
    return SettingsCreator(
        link_type="link_only" if link_type == "link" else "dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons(columns),
        blocking_rules_to_generate_predictions=[block_on(*r) for r in prediction_rules(columns)],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def deterministic_rules(columns: set[str]) -> list:
    """Rules admitting almost no false positives, to estimate the prior (recall 0.7 as in the example)."""
    rules = []
    for r in (["nik"], ["id_number"], ["first_name", "surname", "dob"], ["name_concat", "dob"]):
        if all(c in columns for c in r):
            rules.append(block_on(*r))
    return rules


def em_blocks(columns: set[str]) -> list:
    """EM sessions as in the example: one on names, one on date of birth, so every
    comparison gets its m-probabilities from a session that does not block on it."""
    blocks = []
    if {"first_name", "surname"} <= columns:
        blocks.append(block_on("first_name", "surname"))
    elif "first_name" in columns:
        blocks.append(block_on("first_name"))
    if "dob" in columns:
        blocks.append(block_on("dob"))
    return blocks
