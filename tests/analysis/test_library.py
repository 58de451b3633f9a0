"""The pattern library loader: built-ins, user dirs, and errors that name the file and pattern."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.engine import Engine
from analysis.library import docs_platform, load_library
from analysis.model import CATEGORIES
from providers.errors import ConfigError

PLATFORMS = ("kubernetes", "ecs", "cloudrun", "generic")

GOOD = """\
category: app_crash
patterns:
  - id: acme-widget-crash
    title: The ACME widget runtime crashed
    signals:
      - regex: 'ACME widget fault [0-9]+'
        weight: 0.8
        why: the widget runtime reports a fault
    fixes:
      generic: ["Restart the widget with --safe"]
    examples:
      match: ["ACME widget fault 42"]
      no_match: ["ACME widget ok"]
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


class TestBuiltins:
    """The shipped library is valid and covers the whole taxonomy, one file per category."""

    def test_every_category_has_patterns(self) -> None:
        library = load_library()
        assert library.categories() == set(CATEGORIES)

    def test_one_file_per_category(self) -> None:
        names = {
            p.stem for p in (Path(__file__).parents[2] / "analysis" / "patterns").glob("*.yaml")
        }
        assert names == set(CATEGORIES)

    def test_every_pattern_has_fixes_for_its_platforms_and_a_doc_link(self) -> None:
        for pattern in load_library().patterns:
            assert pattern.fixes["generic"], pattern.id
            declared = PLATFORMS if "any" in pattern.platforms else pattern.platforms
            for platform in declared:
                url = pattern.docs_for(platform)
                assert url is not None, (pattern.id, platform)
                assert url.startswith("https://"), pattern.id

    @pytest.mark.parametrize("platform", ["kubernetes", "ecs", "cloudrun"])
    def test_no_doc_link_points_at_another_platform(self, platform: str) -> None:
        for pattern in load_library().patterns:
            url = pattern.docs_for(platform)
            assert url is None or docs_platform(url) in (None, platform), (pattern.id, url)


class TestDocsSchema:
    """docs_url is per platform like fixes; a link to the wrong platform's docs is rejected."""

    def test_wrong_platform_link_is_a_load_error(self, tmp_path: Path) -> None:
        text = GOOD.replace(
            "    examples:",
            "    docs_url:\n      cloudrun: https://docs.aws.amazon.com/IAM/latest/x.html\n"
            "    examples:",
        )
        with pytest.raises(ConfigError, match=r"acme-widget-crash.*docs_url.*links ecs"):
            load_library([write(tmp_path, "acme.yaml", text)])

    def test_platform_docs_as_the_generic_link_of_a_multi_platform_pattern(
        self, tmp_path: Path
    ) -> None:
        text = GOOD.replace(
            "    examples:",
            "    docs_url:\n      generic: https://cloud.google.com/run/docs/x\n    examples:",
        )
        with pytest.raises(ConfigError, match=r"file it under docs_url\.cloudrun"):
            load_library([write(tmp_path, "acme.yaml", text)])

    def test_a_plain_link_is_filed_under_its_platform(self, tmp_path: Path) -> None:
        text = GOOD.replace(
            "    examples:", "    docs_url: https://kubernetes.io/docs/x/\n    examples:"
        )
        library = load_library([write(tmp_path, "acme.yaml", text)])
        pattern = next(p for p in library.patterns if p.id == "acme-widget-crash")
        assert pattern.docs_for("kubernetes") == "https://kubernetes.io/docs/x/"
        assert pattern.docs_for("ecs") is None

    def test_captures_read_redacted_evidence_only(self, tmp_path: Path) -> None:
        text = GOOD.replace(
            "    examples:", "    captures:\n      token: 'token=(\\S+)'\n    examples:"
        ).replace('["Restart the widget with --safe"]', '["Rotate {token}"]')
        engine = Engine.load([write(tmp_path, "acme.yaml", text)])
        from analysis.evidence_text import evidence_from_text

        leaky = engine.analyze(evidence_from_text("ACME widget fault 7 token=abc123secretvalue"))
        assert leaky.findings[0].fixes == ("Rotate <token>",)
        named = GOOD.replace(
            "    examples:", "    captures:\n      unit: 'unit (\\w+)'\n    examples:"
        ).replace('["Restart the widget with --safe"]', '["Restart {unit}"]')
        engine = Engine.load([write(tmp_path, "acme.yaml", named)])
        plain = engine.analyze(evidence_from_text("ACME widget fault 7 in unit gearbox"))
        assert plain.findings[0].fixes == ("Restart gearbox",)

    @pytest.mark.parametrize(
        ("capture", "expected"),
        [
            ("'no group here'", "exactly one group"),
            ("'(a)(b)'", "exactly one group"),
            ("'(unclosed'", "bad regex"),
        ],
    )
    def test_a_capture_needs_one_group(self, tmp_path: Path, capture: str, expected: str) -> None:
        text = GOOD.replace(
            "    examples:", f"    captures:\n      widget: {capture}\n    examples:"
        )
        with pytest.raises(ConfigError, match=expected):
            load_library([write(tmp_path, "acme.yaml", text)])

    def test_non_https_link_is_rejected(self, tmp_path: Path) -> None:
        text = GOOD.replace(
            "    examples:", "    docs_url:\n      generic: javascript:alert(1)\n    examples:"
        )
        with pytest.raises(ConfigError, match="https://"):
            load_library([write(tmp_path, "acme.yaml", text)])


class TestUserPatterns:
    """An extra directory is merged and validated the same way."""

    def test_user_pattern_is_loaded_and_used(self, tmp_path: Path) -> None:
        engine = Engine.load([write(tmp_path, "acme.yaml", GOOD)])
        from analysis.evidence_text import evidence_from_text

        found = engine.analyze(evidence_from_text("boot\nACME widget fault 7\n"))
        assert found.findings[0].pattern == "acme-widget-crash"

    def test_a_pattern_is_scored_only_on_the_platforms_it_lists(self, tmp_path: Path) -> None:
        from analysis.evidence_text import evidence_from_text

        text = GOOD.replace("    title:", "    platforms: [ecs]\n    title:").replace(
            "      generic:", '      ecs: ["Set WIDGET_MODE"]\n      generic:'
        )
        engine = Engine.load([write(tmp_path, "acme.yaml", text)])
        pattern = next(p for p in engine.library.patterns if p.id == "acme-widget-crash")
        assert pattern.applies_to("ecs")
        assert not pattern.applies_to("kubernetes")
        evidence = evidence_from_text("boot\nACME widget fault 7\n")
        on_ecs = engine.analyze(evidence, platform="ecs").findings
        assert on_ecs
        assert on_ecs[0].pattern == "acme-widget-crash"
        on_k8s = engine.analyze(evidence, platform="kubernetes").findings
        assert all(f.pattern != "acme-widget-crash" for f in on_k8s)

    @pytest.mark.parametrize(
        ("broken", "expected"),
        [
            (GOOD.replace("'ACME widget fault [0-9]+'", "'ACME (widget'"), "bad regex"),
            (GOOD.replace("category: app_crash", "category: gremlins"), "category"),
            (GOOD.replace("weight: 0.8", "weight: 1.5"), "weight"),
            (GOOD.replace('      no_match: ["ACME widget ok"]\n', ""), "no_match"),
            (GOOD.replace("'ACME widget fault [0-9]+'", "'(?<=x)ACME'"), "lookaround"),
            (GOOD.replace("'ACME widget fault [0-9]+'", "'x*'"), "empty string"),
            (GOOD.replace("weight: 0.8", "weight: 0.8\n        scope: pattern"), "scope: pattern"),
        ],
    )
    def test_broken_file_names_file_and_pattern(
        self, tmp_path: Path, broken: str, expected: str
    ) -> None:
        directory = write(tmp_path, "acme.yaml", broken)
        with pytest.raises(ConfigError) as caught:
            load_library([directory])
        message = str(caught.value)
        assert "acme.yaml" in message
        assert expected in message
        if "category: gremlins" not in broken:
            assert "acme-widget-crash" in message

    def test_duplicate_id_is_rejected(self, tmp_path: Path) -> None:
        broken = GOOD.replace("acme-widget-crash", "k8s-rbac-forbidden")
        with pytest.raises(ConfigError, match="already defined"):
            load_library([write(tmp_path, "dup.yaml", broken)])

    def test_invalid_yaml_is_a_config_error(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match=r"bad\.yaml"):
            load_library([write(tmp_path, "bad.yaml", "category: [unclosed\n")])

    def test_missing_directory_is_a_config_error(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="does not exist"):
            load_library([tmp_path / "nope"])


# GOOD's widget pattern with a drill as counter-evidence, and a gadget pattern beside it.
SCOPED = GOOD.replace(
    "        why: the widget runtime reports a fault\n",
    "        why: the widget runtime reports a fault\n"
    "      - regex: 'ACME widget fault [0-9]+ \\(simulated\\)'\n"
    "        weight: -0.5\n"
    "        scope: SCOPE\n"
    "        why: a drill, which says nothing about the widget itself\n",
) + GOOD.split("patterns:\n", 1)[1].replace("widget", "gadget").replace("0.8", "0.6")


class TestScopedCounterEvidence:
    """Counter-evidence scales its whole category, or with `scope: pattern` only its pattern."""

    def found(self, tmp_path: Path, scope: str) -> tuple[float, str]:
        from analysis.scoring import score

        library = load_library([write(tmp_path, "acme.yaml", SCOPED.replace("SCOPE", scope))])
        index = {p.id: i for i, p in enumerate(library.patterns)}
        widget, gadget = index["acme-widget-crash"], index["acme-gadget-crash"]
        # Line 0 is the drill (both widget signals), line 1 the gadget's own fault.
        hits = {(widget, 0): [0], (widget, 1): [0], (gadget, 0): [1]}
        found = score(library, hits)["app_crash"]
        assert sorted(found.evidence) == [0, 1]  # counter-evidence is not shown as evidence
        return found.confidence, library.patterns[found.pattern_index].id

    def test_pattern_scope_leaves_the_other_pattern_whole(self, tmp_path: Path) -> None:
        confidence, best = self.found(tmp_path, "pattern")
        assert confidence == pytest.approx(1 - (1 - 0.8 * 0.5) * (1 - 0.6))
        assert best == "acme-gadget-crash"  # the discounted widget reading no longer leads

    def test_category_scope_scales_everything(self, tmp_path: Path) -> None:
        confidence, best = self.found(tmp_path, "category")
        assert confidence == pytest.approx((1 - (1 - 0.8) * (1 - 0.6)) * 0.5)
        assert best == "acme-widget-crash"
