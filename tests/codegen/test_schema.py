"""Tests of schema/catalog.schema.json, the JSON Schema editors use to check
and complete catalogs: every catalog the validator accepts must pass it, and
catalogs with mistakes the schema can see must fail it.

Catalogs are read the way editors read them (YAML 1.2 core schema: only
true/false are booleans, 1e9 is a number), which is also how the validator
reads them.

Run from the repository root:
    /usr/bin/python3 -m unittest discover -s tests/codegen -p 'test_*.py'
"""
from __future__ import annotations

import glob
import json
import os
import re
import sys
import unittest

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from codegen import model, validate  # noqa: E402

try:
    from jsonschema import Draft202012Validator
except ImportError:  # pragma: no cover - python3-jsonschema is a build dependency
    Draft202012Validator = None

SCHEMA_PATH = os.path.join(ROOT, "schema", "catalog.schema.json")


class Yaml12Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans and floats."""


Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:float")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9_]+)(?:[eE][-+]?[0-9]+)?
                   |[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+
                   |[-+]?\.(?:inf|Inf|INF)
                   |\.(?:nan|NaN|NAN))$""", re.X),
    list("-+0123456789."))


def read_yaml(path: str):
    with open(path, "rb") as f:
        return yaml.load(f, Loader=Yaml12Loader)


def valid_catalogs():
    files = sorted(glob.glob(os.path.join(HERE, "valid", "*.yaml")))
    files += sorted(glob.glob(os.path.join(HERE, "fixtures", "*.yaml")))
    files += sorted(glob.glob(os.path.join(ROOT, "schema", "*.yaml")))
    return files


# Invalid catalogs whose mistakes are visible to the schema. The others
# (collisions, enum references, min > max, ...) need the validator.
SCHEMA_REJECTS = [
    "03_unknown_field_key.yaml",
    "04_unknown_keys_everywhere.yaml",
    "05_missing_required_top.yaml",
    "06_bad_format_version.yaml",
    "07_bad_format_version_type.yaml",
    "08_missing_type.yaml",
    "09_wrong_node_kinds.yaml",
    "10_wrong_scalar_types.yaml",
    "11_invalid_names.yaml",
    "19_list_types.yaml",
    "20_empty_enums.yaml",
    "24_pii_policy.yaml",
    "25_correlation.yaml",
    "27_sample_rate_and_level.yaml",
    "28_context_fields.yaml",
    "31_enum_names.yaml",
    "34_root_not_mapping.yaml",
    "38_many_errors.yaml",
    "41_stacktrace.yaml",
]


@unittest.skipIf(Draft202012Validator is None, "python3-jsonschema is not installed")
class CatalogSchema(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(SCHEMA_PATH, encoding="utf-8") as f:
            cls.schema = json.load(f)
        cls.validator = Draft202012Validator(cls.schema)

    def errors(self, doc):
        return sorted(e.message for e in self.validator.iter_errors(doc))

    def test_schema_is_a_valid_draft_2020_12_schema(self):
        self.assertEqual(self.schema["$schema"], "https://json-schema.org/draft/2020-12/schema")
        Draft202012Validator.check_schema(self.schema)

    def test_every_valid_catalog_passes_the_schema(self):
        files = valid_catalogs()
        self.assertTrue(files)
        for path in files:
            with self.subTest(catalog=os.path.relpath(path, ROOT)):
                self.assertEqual(self.errors(read_yaml(path)), [])

    def test_schema_and_validator_know_the_same_keys_and_choices(self):
        d = self.schema["$defs"]
        self.assertEqual(set(self.schema["properties"]), set(validate.TOP_KEYS))
        self.assertEqual(set(d["event"]["properties"]), set(validate.EVENT_KEYS))
        self.assertEqual(set(d["span"]["properties"]), set(validate.SPAN_KEYS))
        self.assertEqual(set(d["field"]["oneOf"][1]["properties"]), set(validate.FIELD_KEYS))
        self.assertEqual(set(d["enum"]["properties"]), set(validate.ENUM_KEYS))
        self.assertEqual(set(d["enumValue"]["oneOf"][2]["properties"]),
                         set(validate.ENUM_VALUE_KEYS))
        self.assertEqual(d["level"]["enum"], list(model.LEVELS))
        self.assertEqual(d["event"]["properties"]["correlation"]["enum"],
                         list(model.CORRELATIONS))
        self.assertEqual(d["pii"]["enum"], list(model.PII_POLICIES))
        builtins = set(validate.BUILTIN_TYPES)
        builtins |= {f"list<{t}>" for t in model.SCALAR_TYPES}
        self.assertEqual(set(d["builtinType"]["enum"]), builtins)

    def test_invalid_catalogs_the_schema_can_judge_are_rejected(self):
        for name in SCHEMA_REJECTS:
            with self.subTest(catalog=name):
                doc = read_yaml(os.path.join(HERE, "invalid", name))
                self.assertNotEqual(self.errors(doc), [])

    def base(self):
        return {"beacon": 1, "catalog": "c",
                "events": {"a.b": {"description": "D.",
                                   "fields": {"f": {"type": "string"}}}}}

    def field_errors(self, spec):
        doc = self.base()
        doc["events"]["a.b"]["fields"]["f"] = spec
        return self.errors(doc)

    def test_base_document_is_valid(self):
        self.assertEqual(self.errors(self.base()), [])

    def test_unknown_field_key_is_rejected(self):
        self.assertNotEqual(self.field_errors({"type": "string", "optinal": True}), [])

    def test_field_types_accepted_and_rejected(self):
        good = ["bool", "int", "uint", "double", "string", "timestamp", "duration",
                "attributes", "record_type", "list<string>", "list<record_type>"]
        bad = ["list", "list<attributes>", "list<list<int>>", "list< string >", "String",
               "list<string", "", 5]
        for t in good:
            with self.subTest(type=t):
                self.assertEqual(self.field_errors(t), [])
                self.assertEqual(self.field_errors({"type": t}), [])
        for t in bad:
            with self.subTest(type=t):
                self.assertNotEqual(self.field_errors({"type": t}), [])

    def test_enumerated_keywords_are_checked(self):
        self.assertNotEqual(self.field_errors({"type": "string", "pii": "encrypt"}), [])
        doc = self.base()
        doc["events"]["a.b"]["level"] = "warning"
        self.assertNotEqual(self.errors(doc), [])
        doc = self.base()
        doc["events"]["a.b"]["correlation"] = "start"
        self.assertNotEqual(self.errors(doc), [])
        doc = self.base()
        doc["events"]["a.b"]["sample_rate"] = 1.5
        self.assertNotEqual(self.errors(doc), [])

    def test_event_and_field_names_follow_the_naming_rules(self):
        doc = self.base()
        doc["events"]["Upload.Received"] = {}
        self.assertNotEqual(self.errors(doc), [])
        self.assertNotEqual(self.errors({**self.base(), "catalog": "Bad-Name"}), [])
        doc = self.base()
        doc["events"]["a.b"]["fields"]["fileSize"] = "uint"
        self.assertNotEqual(self.errors(doc), [])

    def test_stacktrace_is_accepted_only_on_list_of_strings(self):
        self.assertEqual(self.field_errors({"type": "list<string>", "stacktrace": True}), [])
        self.assertEqual(self.field_errors({"type": "int", "stacktrace": False}), [])
        for t in ("string", "list<int>", "attributes"):
            with self.subTest(type=t):
                self.assertNotEqual(self.field_errors({"type": t, "stacktrace": True}), [])
        self.assertNotEqual(self.field_errors({"type": "list<string>", "stacktrace": "yes"}), [])
        context = {"c": {"type": "string", "stacktrace": True}}
        self.assertNotEqual(self.errors({**self.base(), "context": context}), [])

    def test_spans_take_no_correlation(self):
        doc = self.base()
        doc["spans"] = {"s": {"correlation": "begin"}}
        self.assertNotEqual(self.errors(doc), [])

    def test_context_rejects_lists_and_attributes(self):
        for t in ("list<string>", "attributes"):
            with self.subTest(type=t):
                self.assertNotEqual(self.errors({**self.base(), "context": {"c": t}}), [])
        self.assertEqual(self.errors({**self.base(), "context": {"c": "string"}}), [])

    def test_yaml_12_reading_matches_the_validator(self):
        doc = yaml.load("a: 1e9\nb: yes\nc: true\nd: 1.5\ne: 3\n", Loader=Yaml12Loader)
        self.assertEqual(doc, {"a": 1e9, "b": "yes", "c": True, "d": 1.5, "e": 3})


if __name__ == "__main__":
    unittest.main()
