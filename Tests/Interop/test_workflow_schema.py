"""schemas/workflow.schema.json, as editors use it (draft-07, through jsonschema):
every file in workflows/ (templates too) is valid, and broken workflows whose rule the
schema can express are rejected for that rule.

The files are read as YAML 1.2, as tgflow reads them: PyYAML follows YAML 1.1, where
`on`, `off`, `yes` and `no` are booleans (`retry: { on: [...] }` would become
`{True: [...]}`), so the loader below resolves only true/false as booleans and leaves
timestamps as strings.
"""
import json
import pathlib
import re

import jsonschema
import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMA_PATH = ROOT / "schemas" / "workflow.schema.json"
BROKEN = ROOT / "Tests" / "WorkflowTests" / "Broken"

BOOL = "tag:yaml.org,2002:bool"
TIMESTAMP = "tag:yaml.org,2002:timestamp"


class YAML12Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema booleans and no implicit timestamps."""


YAML12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (BOOL, TIMESTAMP)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
YAML12Loader.add_implicit_resolver(BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=YAML12Loader)


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


EXAMPLES = sorted((ROOT / "workflows").rglob("*.yaml"))


def test_examples_found():
    names = {p.relative_to(ROOT / "workflows").as_posix() for p in EXAMPLES}
    assert {"login.yaml", "post-login-requests.yaml", "templates/login.yaml", "templates/ensure-2fa.yaml"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_example_is_valid(validator, path):
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(load(path))]
    assert errors == []


def test_loader_reads_yaml_1_2():
    doc = yaml.load("on: [FLOOD_WAIT]\nyes: no\nwhen: 2026-01-01\nflag: true\n", Loader=YAML12Loader)
    assert doc == {"on": ["FLOOD_WAIT"], "yes": "no", "when": "2026-01-01", "flag": True}
    # The reason for the loader: YAML 1.1 turns the retry key into a boolean.
    assert True in yaml.safe_load("on: [FLOOD_WAIT]\n")


def test_retry_on_key_is_checked_not_ignored(validator):
    base = "version: 1\nsteps:\n  - get_me: {}\n    retry: { on: [%s] }\n"
    assert validator.is_valid(yaml.load(base % "FLOOD_WAIT", Loader=YAML12Loader))
    assert not validator.is_valid(yaml.load(base % "flood wait", Loader=YAML12Loader))


# Broken workflows whose rule the schema expresses, and the schema keyword that rejects each.
REJECTED = {
    "01-unknown-top-key.yaml": "additionalProperties",
    "02-missing-version.yaml": "required",
    "03-bad-version.yaml": "const",
    "06-step-no-kind.yaml": "oneOf",
    "07-step-two-kinds.yaml": "oneOf",
    "08-unknown-step-key.yaml": "additionalProperties",
    "09-unknown-kind-param.yaml": "additionalProperties",
    "24-input-bad-type.yaml": "enum",
    "25-input-default-type.yaml": "type",
    "26-choice-no-options.yaml": "required",
    "27-secret-two-providers.yaml": "oneOf",
    "28-secret-no-provider.yaml": "oneOf",
    "32-login-two-ways.yaml": "not",
    "33-retry-never.yaml": "not",
    "37-with-on-wrong-kind.yaml": "anyOf",
    "38-sleep-type.yaml": "oneOf",
    "40-transport.yaml": "enum",
}


def leaf_validators(error):
    """The keywords of an error and of the errors under it (oneOf/anyOf keep theirs in context)."""
    yield error.validator
    for sub in error.context or []:
        yield from leaf_validators(sub)


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_broken_workflow_is_rejected(validator, name):
    errors = list(validator.iter_errors(load(BROKEN / name)))
    assert errors, f"{name} passed the schema"
    keywords = {k for e in errors for k in leaf_validators(e)}
    assert REJECTED[name] in keywords, [e.message for e in errors]


def test_rejections_stay_specific(validator):
    """Each broken file differs from a valid one only in its mistake: fixing it passes."""
    fixed = {
        "26-choice-no-options.yaml": ("{ type: choice }", "{ type: choice, options: [a, b] }"),
        "32-login-two-ways.yaml": ('      bot_token: "123:abc"\n', ""),
        "33-retry-never.yaml": ("PHONE_CODE_INVALID", "FLOOD_WAIT"),
        "37-with-on-wrong-kind.yaml": ("    with: { a: 1 }\n", ""),
        "25-input-default-type.yaml": ('"three"', "3"),
    }
    for name, (old, new) in fixed.items():
        text = (BROKEN / name).read_text(encoding="utf-8")
        assert old in text, name
        doc = yaml.load(text.replace(old, new), Loader=YAML12Loader)
        assert [e.message for e in validator.iter_errors(doc)] == [], name


def test_every_broken_yaml_file_is_listed_or_not_expressible():
    """A new broken file must be classified: rejected by the schema (REJECTED) or a rule
    only `tgflow validate` can check (expressions, TL methods, step order, YAML syntax)."""
    only_validate = {
        "04-yaml-syntax.yaml", "05-duplicate-key.yaml", "10-unknown-input.yaml", "11-unknown-secret.yaml",
        "12-step-used-before-run.yaml", "13-unknown-step.yaml", "14-eq-coerce.yaml", "15-if-not-boolean.yaml",
        "16-if-string-around.yaml", "17-secret-to-message.yaml", "18-secret-via-format.yaml",
        "19-unknown-function.yaml", "20-arity.yaml", "21-expr-syntax.yaml", "22-unclosed-expr.yaml",
        "23-unknown-context.yaml", "29-unknown-method.yaml", "30-unknown-method-param.yaml",
        "31-missing-method-param.yaml", "34-duplicate-step-id.yaml", "35-uses-missing.yaml",
        "36-uses-recursion.yaml", "39-unknown-run-field.yaml", "41-double-quoted-expr-string.yaml",
        "42-format-placeholders.yaml", "44-template-secrets.yaml",
    }
    present = {p.name for p in BROKEN.glob("*.yaml")}
    assert present == set(REJECTED) | only_validate
