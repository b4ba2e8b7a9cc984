"""``qualcode export themes``: hand-computed theme frequencies, on SQLite and PostgreSQL.

The study (built by :func:`build_study`): five transcripts of four participants plus one
finished but uncoded interview. Every transcript has seven segments:

    1 Interviewer   2–4 the participant   5 Interviewer   6–7 the participant

Participants (role): P01 engineer (two interviews: P01, P01b), P02 engineer, P03 scientist,
P04 lead, P05 manager (P05 finished by alice, nothing coded).

Codings (segment: code — coders):

    P01   2 News — alice, bob          3 Training — alice, carol
    P01b  2 News — alice, bob
    P02   2 News — alice, bob          3 Doubt — alice; Training — bob
          6 News — alice, carol
    P03   4 Doubt — alice, bob, carol
          a span by alice from inside segment 2 to inside segment 3: Nobody responsible
    P04   2 Cost & time_100% — alice, bob
          6 Nobody responsible — carol, who has not finished P04 (so it never counts)

Done: alice and bob every transcript P01–P04 (alice also P05); carol P01, P01b, P02, P03.
Risk/Old is retired (not a row); ``=SUM(1)`` is an active code nobody used (a zero row, and a
cell the formula guard must neutralise).

Traps: P01 has two codes of Exposure and two interviews (counted once for the theme and for
News); P02 has News twice (one participant, two segments); the span counts two segments;
the groups lead and manager mention nothing of Exposure (zero rows, not missing rows).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from qualcode.errors import QualcodeError
from qualcode.export.formats import choose_format, latex_escape, markdown_table
from qualcode.services.themes import THEME_COLUMNS, RowSpec, percent, visible
from qualcode.services.workspace import apply_span
from qualcode.store.models import Code, Coder, Coding, Segment, Transcript
from qualcode.store.project import open_project
from tests.cli_run import Runner

HEADER = "theme,code,participants,participants_total,participants_pct,segments"

CODEBOOK = """\
name: Study codebook
description: For the export tests.
codes:
  - name: Exposure
    description: How they learned about attacks.
    children:
      - name: News
        description: From the news.
        include: Articles, talks.
        exclude: Courses.
        example: "I read it in a blog."
      - name: Training
        description: From a course.
      - name: Talks
        description: Conference talks (to be merged into News).
  - name: Risk
    description: Judging the risk.
    children:
      - name: Doubt
        description: Doubts anyone would attack.
      - name: Never seen
        description: Has never seen an attack.
      - name: Old
        description: Retired before use.
  - name: Defense
    description: "Building defenses: money {budget} ~ $5 #1 ^ \\\\ back"
    children:
      - name: Nobody responsible
        description: Nobody owns security.
      - name: Cost & time_100%
        description: Too expensive.
      - name: "=SUM(1)"
        description: A name a spreadsheet would run.
"""

PARTICIPANTS = """\
participant,role,company_size
P01,engineer,startup
P02,engineer,large
P03,scientist,startup
P04,lead,large
P05,manager,startup
"""

CODINGS = [
    ("alice", "P01", 2, "Exposure/News"),
    ("bob", "P01", 2, "Exposure/News"),
    ("alice", "P01", 3, "Exposure/Training"),
    ("carol", "P01", 3, "Exposure/Training"),
    ("alice", "P01b", 2, "Exposure/News"),
    ("bob", "P01b", 2, "Exposure/News"),
    ("alice", "P02", 2, "Exposure/News"),
    ("bob", "P02", 2, "Exposure/News"),
    ("alice", "P02", 3, "Risk/Doubt"),
    ("bob", "P02", 3, "Exposure/Training"),
    ("alice", "P02", 6, "Exposure/News"),
    ("carol", "P02", 6, "Exposure/News"),
    ("alice", "P03", 4, "Risk/Doubt"),
    ("bob", "P03", 4, "Risk/Doubt"),
    ("carol", "P03", 4, "Risk/Doubt"),
    ("alice", "P04", 2, "Defense/Cost & time_100%"),
    ("bob", "P04", 2, "Defense/Cost & time_100%"),
    ("carol", "P04", 6, "Defense/Nobody responsible"),
]


def transcript_text(name: str) -> str:
    speaker = name[:3]
    return (
        "Interviewer: How did you hear about attacks?\n\n"
        f"{speaker}: {name} alpha one. {name} beta two. {name} gamma three.\n\n"
        "Interviewer: And then?\n\n"
        f"{speaker}: {name} delta four. {name} epsilon five.\n"
    )


def ok(qc: Runner, *args: str) -> str:
    result = qc(*args)
    assert result.ok, (args, result.err)
    return result.out


def build_study(qc: Runner, db: str, folder: Path) -> Runner:
    """The study of the module docstring, through the CLI (and one span by the service)."""
    folder.mkdir()
    for name in ("P01", "P02", "P03", "P04", "P05", "P01b"):
        (folder / f"{name}.txt").write_text(transcript_text(name), encoding="utf-8")
    (folder / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (folder / "participants.csv").write_text(PARTICIPANTS, encoding="utf-8")
    lines = ["coder,transcript,segment,code"] + [
        f'{c},{t},{s},"{code}"' for c, t, s, code in CODINGS
    ]
    (folder / "codings.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    ok(qc, "init", "--lead", "alice")
    files = [str(folder / f"P0{i}.txt") for i in range(1, 6)]
    ok(qc, "import", "--spacy-model", "blank", *files)
    ok(qc, "import", "--spacy-model", "blank", "--participant", "P01", str(folder / "P01b.txt"))
    ok(qc, "participants", "import", str(folder / "participants.csv"))
    ok(qc, "codebook", "import", str(folder / "codebook.yaml"))
    ok(qc, "codebook", "retire", "Risk/Old", "--why", "never used")
    ok(qc, "codings", "import", str(folder / "codings.csv"))
    ok(qc, "done", "--coder", "alice", "P01", "P01b", "P02", "P03", "P04", "P05")
    ok(qc, "done", "--coder", "bob", "P01", "P01b", "P02", "P03", "P04")
    ok(qc, "done", "--coder", "carol", "P01", "P01b", "P02", "P03")
    project = open_project(db)
    try:
        with project.transaction() as session:
            p03 = session.scalar(select(Transcript).where(Transcript.name == "P03"))
            assert p03 is not None
            segments = session.scalars(
                select(Segment).where(Segment.transcript_id == p03.id).order_by(Segment.ordinal)
            ).all()
            assert len(segments) == 7
            assert [s.speaker for s in segments] == [
                "Interviewer",
                *["P03"] * 3,
                "Interviewer",
                "P03",
                "P03",
            ]
            alice = session.scalar(select(Coder).where(Coder.name == "alice"))
            code = session.scalar(select(Code).where(Code.name == "Nobody responsible"))
            assert alice is not None and code is not None
            start, end = segments[1].start + 4, segments[2].start + 8
            assert apply_span(session, alice.id, p03.id, code.id, start, end) is not None
    finally:
        project.close()
    return qc


@pytest.fixture
def study(qc: Runner, db_url: str, tmp_path: Path) -> Runner:
    return build_study(qc, db_url, tmp_path / "study")


def rows(qc: Runner, *args: str) -> list[list[str]]:
    out = ok(qc, "export", "themes", "--format", "csv", *args)
    lines = out.splitlines()
    assert lines[0].endswith(HEADER)
    return list(csv.reader(io.StringIO(out)))[1:]


def table(*lines: str) -> list[list[str]]:
    return [next(csv.reader([line])) for line in lines]


ANY = table(
    "Exposure,,2,5,40.0,6",
    "Exposure,News,2,5,40.0,4",
    "Exposure,Training,2,5,40.0,2",
    "Exposure,Talks,0,5,0.0,0",
    "Risk,,2,5,40.0,2",
    "Risk,Doubt,2,5,40.0,2",
    "Risk,Never seen,0,5,0.0,0",
    "Defense,,2,5,40.0,3",
    "Defense,Nobody responsible,1,5,20.0,2",
    "Defense,Cost & time_100%,1,5,20.0,1",
    "Defense,'=SUM(1),0,5,0.0,0",
)


def test_header_and_percent() -> None:
    assert ",".join(THEME_COLUMNS) == HEADER
    assert percent(1, 3) == 33.3
    assert percent(2, 3) == 66.7
    assert percent(1, 8) == 12.5
    assert percent(1, 16) == 6.3  # half up, not to even
    assert percent(1, 0) == 0.0
    assert percent(5, 5) == 100.0


def test_rule_any_by_default_hand_computed(study: Runner) -> None:
    # Exposure: P01 (News, Training, two interviews) and P02 once each: 2 participants of 5,
    # never 4; News in P02 twice: one participant, two segments; the span: two segments.
    assert rows(study) == ANY
    assert rows(study, "--rule", "any", "--coders", "alice,bob,carol") == ANY
    result = study("export", "themes", "--format", "csv")
    assert "counted: alice, bob, carol (rule any) on 6 transcript(s) of 5 participant(s)" in (
        result.err
    )


def test_rule_all(study: Runner) -> None:
    # scope: the transcripts all three finished (P01, P01b, P02, P03): participants P01–P03
    assert rows(study, "--rule", "all") == table(
        "Exposure,,0,3,0.0,0",
        "Exposure,News,0,3,0.0,0",
        "Exposure,Training,0,3,0.0,0",
        "Exposure,Talks,0,3,0.0,0",
        "Risk,,1,3,33.3,1",
        "Risk,Doubt,1,3,33.3,1",
        "Risk,Never seen,0,3,0.0,0",
        "Defense,,0,3,0.0,0",
        "Defense,Nobody responsible,0,3,0.0,0",
        "Defense,Cost & time_100%,0,3,0.0,0",
        "Defense,'=SUM(1),0,3,0.0,0",
    )
    # two coders: every transcript both finished (P01–P04), News where both applied it
    assert rows(study, "--rule", "all", "--coders", "alice,bob") == table(
        "Exposure,,2,4,50.0,3",
        "Exposure,News,2,4,50.0,3",
        "Exposure,Training,0,4,0.0,0",
        "Exposure,Talks,0,4,0.0,0",
        "Risk,,1,4,25.0,1",
        "Risk,Doubt,1,4,25.0,1",
        "Risk,Never seen,0,4,0.0,0",
        "Defense,,1,4,25.0,1",
        "Defense,Nobody responsible,0,4,0.0,0",
        "Defense,Cost & time_100%,1,4,25.0,1",
        "Defense,'=SUM(1),0,4,0.0,0",
    )


def test_rule_majority(study: Runner) -> None:
    # scope: transcripts more than half of the three finished: P01–P04 (P04 by alice and bob,
    # who must then both agree); P05 (alice alone) is out
    assert rows(study, "--rule", "majority") == table(
        "Exposure,,2,4,50.0,5",
        "Exposure,News,2,4,50.0,4",
        "Exposure,Training,1,4,25.0,1",
        "Exposure,Talks,0,4,0.0,0",
        "Risk,,1,4,25.0,1",
        "Risk,Doubt,1,4,25.0,1",
        "Risk,Never seen,0,4,0.0,0",
        "Defense,,1,4,25.0,1",
        "Defense,Nobody responsible,0,4,0.0,0",
        "Defense,Cost & time_100%,1,4,25.0,1",
        "Defense,'=SUM(1),0,4,0.0,0",
    )


def test_one_coder_and_level_theme(study: Runner) -> None:
    # carol finished P01, P01b, P02, P03 (participants P01–P03); her P04 coding never counts
    assert rows(study, "--coders", "carol", "--level", "theme") == table(
        "Exposure,,2,3,66.7,2",
        "Risk,,1,3,33.3,1",
        "Defense,,0,3,0.0,0",
    )
    assert rows(study, "--level", "theme") == [r for r in ANY if r[1] == ""]


def test_by_attribute_blocks_with_zero_groups(study: Runner) -> None:
    got = rows(study, "--by", "role")
    out = ok(study, "export", "themes", "--by", "role", "--format", "csv")
    assert out.splitlines()[0] == "role," + HEADER
    blocks: dict[str, list[list[str]]] = {}
    for row in got:
        blocks.setdefault(row[0], []).append(row[1:])
    assert list(blocks) == ["engineer", "lead", "manager", "scientist"]
    assert all(len(b) == len(ANY) for b in blocks.values())
    assert blocks["engineer"] == table(
        "Exposure,,2,2,100.0,6",
        "Exposure,News,2,2,100.0,4",
        "Exposure,Training,2,2,100.0,2",
        "Exposure,Talks,0,2,0.0,0",
        "Risk,,1,2,50.0,1",
        "Risk,Doubt,1,2,50.0,1",
        "Risk,Never seen,0,2,0.0,0",
        "Defense,,0,2,0.0,0",
        "Defense,Nobody responsible,0,2,0.0,0",
        "Defense,Cost & time_100%,0,2,0.0,0",
        "Defense,'=SUM(1),0,2,0.0,0",
    )
    assert blocks["lead"][0] == ["Exposure", "", "0", "1", "0.0", "0"]
    assert blocks["lead"][7] == ["Defense", "", "1", "1", "100.0", "1"]
    # P05 finished, nothing coded: a group in scope that mentions nothing
    assert {tuple(r[2:]) for r in blocks["manager"]} == {("0", "1", "0.0", "0")}
    assert blocks["scientist"][8] == ["Defense", "Nobody responsible", "1", "1", "100.0", "2"]
    # every block's participants add up to the theme's when each participant has one value
    for line in range(len(ANY)):
        assert sum(int(b[line][2]) for b in blocks.values()) == int(ANY[line][2])
    bad = study("export", "themes", "--by", "sector")
    assert bad.code == 2 and "role, company_size" in bad.err


def test_consensus_is_the_default_when_it_exists(study: Runner) -> None:
    no = study("export", "themes", "--consensus")
    assert no.code == 2 and "no consensus yet" in no.err
    ok(study, "consensus", "set", "P02", "3", "--codes", "Risk/Doubt")
    ok(study, "consensus", "set", "P01", "2", "--from", "alice")
    expected = table(
        "Exposure,,1,2,50.0,1",
        "Exposure,News,1,2,50.0,1",
        "Exposure,Training,0,2,0.0,0",
        "Exposure,Talks,0,2,0.0,0",
        "Risk,,1,2,50.0,1",
        "Risk,Doubt,1,2,50.0,1",
        "Risk,Never seen,0,2,0.0,0",
        "Defense,,0,2,0.0,0",
        "Defense,Nobody responsible,0,2,0.0,0",
        "Defense,Cost & time_100%,0,2,0.0,0",
        "Defense,'=SUM(1),0,2,0.0,0",
    )
    assert rows(study) == expected
    assert rows(study, "--consensus") == expected
    assert "counted: consensus on 2 transcript(s)" in study("export", "themes").err
    # a rule or coders asks for the coders instead
    assert rows(study, "--rule", "any") == ANY
    assert rows(study, "--coders", "alice,bob,carol") == ANY
    both = study("export", "themes", "--consensus", "--coders", "alice")
    assert both.code == 2 and "not both" in both.err


def test_merged_code_counts_as_its_target(study: Runner, db_url: str) -> None:
    ok(study, "codebook", "merge", "Exposure/Talks", "--into", "Exposure/News", "--why", "same")
    project = open_project(db_url)
    try:  # a coding still on the merged code (as a project merge can bring in)
        with project.transaction() as session:
            talks = session.scalar(select(Code).where(Code.name == "Talks"))
            alice = session.scalar(select(Coder).where(Coder.name == "alice"))
            p04 = session.scalar(select(Transcript).where(Transcript.name == "P04"))
            assert talks is not None and alice is not None and p04 is not None
            seg = session.scalar(
                select(Segment).where(Segment.transcript_id == p04.id, Segment.ordinal == 6)
            )
            assert seg is not None and talks.status == "merged"
            session.add(
                Coding(
                    transcript_id=p04.id,
                    segment_id=seg.id,
                    start=seg.start,
                    end=seg.end,
                    code_id=talks.id,
                    coder_id=alice.id,
                )
            )
    finally:
        project.close()
    got = rows(study, "--level", "code")
    assert got[0] == ["Exposure", "", "3", "5", "60.0", "7"]
    assert got[1] == ["Exposure", "News", "3", "5", "60.0", "5"]
    assert all(r[1] != "Talks" for r in got)


def test_retired_code_with_codings_stays(study: Runner) -> None:
    ok(study, "codebook", "retire", "Risk/Doubt", "--why", "folded")
    ok(study, "codebook", "retire", "Risk/Never seen", "--why", "unused")
    got = rows(study)
    assert ["Risk", "Doubt", "2", "5", "40.0", "2"] in got  # carries codings: kept
    assert all(r[1] != "Never seen" for r in got)  # retired without codings: gone
    assert all(r[1] != "Old" for r in got)


def test_formats(study: Runner, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    csv_file = tmp_path / "themes.csv"
    ok(study, "export", "themes", "--out", str(csv_file))
    assert csv_file.stat().st_mode & 0o777 == 0o600
    content = csv_file.read_text(encoding="utf-8")
    assert content.splitlines()[0] == HEADER
    assert "Defense,'=SUM(1),0,5,0.0,0" in content.splitlines()

    xlsx = tmp_path / "themes.xlsx"
    result = study("export", "themes", "--out", str(xlsx))
    assert result.ok and "wrote 11 row(s)" in result.err
    sheet = load_workbook(xlsx).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == HEADER.split(",")
    assert values[1] == ["Exposure", None, 2, 5, 40.0, 6]
    assert ["Defense", "'=SUM(1)", 0, 5, 0.0, 0] in values
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)

    md = ok(study, "export", "themes", "--format", "md")
    assert (
        "| theme | code | participants | participants_total | participants_pct | segments |" in md
    )
    assert "| Defense | Cost & time_100% | 1 | 5 | 20.0 | 1 |" in md
    assert "|---|---|---:|---:|---:|---:|" in md

    tex = tmp_path / "themes.tex"
    ok(study, "export", "themes", "--out", str(tex))
    text = tex.read_text(encoding="utf-8")
    assert r"\toprule" in text and r"\bottomrule" in text and r"\begin{tabular}{llrrrr}" in text
    assert (
        r"theme & code & participants & participants\_total & participants\_pct & segments \\"
        in text
    )
    assert r"Defense & Cost \& time\_100\% & 1 & 5 & 20.0 & 1 \\" in text

    forced = tmp_path / "themes.txt"
    ok(study, "export", "themes", "--out", str(forced), "--format", "csv")
    assert forced.read_text(encoding="utf-8") == content
    bad = study("export", "themes", "--out", str(tmp_path / "themes.txt"))
    assert bad.code == 2 and "cannot tell the format" in bad.err
    no_file = study("export", "themes", "--format", "xlsx")
    assert no_file.code == 2 and "--out" in no_file.err


def test_terminal_table(study: Runner) -> None:
    out = ok(study, "export", "themes", "--by", "company_size")
    assert "company_size = large" in out and "company_size = startup" in out
    assert "Nobody responsible" in out and "█" in out


def test_escaping_helpers() -> None:
    assert latex_escape("a & b % c $ d # e _ f { g } h ~ i ^ j \\ k") == (
        r"a \& b \% c \$ d \# e \_ f \{ g \} h \textasciitilde{} i \textasciicircum{} j "
        r"\textbackslash{} k"
    )
    md = markdown_table(["a|b", "n"], [["x | y\nz", 3]])
    assert md.splitlines() == ["| a\\|b | n |", "|---|---:|", "| x \\| y z | 3 |"]
    assert choose_format(Path("x.XLSX"), None) == "xlsx"
    assert choose_format(None, None) is None
    assert choose_format(Path("x.csv"), "md") == "md"
    with pytest.raises(QualcodeError):
        choose_format(Path("x.pdf"), None)


def test_a_row_keeps_its_theme() -> None:
    specs = [
        RowSpec(1, "T", "", "T", "retired", 0),
        RowSpec(2, "T", "A", "T/A", "active", 1),
        RowSpec(3, "T", "B", "T/B", "retired", 1),
        RowSpec(4, "U", "", "U", "retired", 0),
    ]
    assert [s.id for s in visible(specs, set())] == [1, 2]  # T stays for its active code A
    assert [s.id for s in visible(specs, {3})] == [1, 2, 3]
