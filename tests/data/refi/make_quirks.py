# ruff: noqa: E501  (XML templates, one element per line)
"""Write the .qdpx files that imitate what real QDA tools write (see README.md here).

Run from the repository root: ``.venv/bin/python tests/data/refi/make_quirks.py``. The files
are committed; this script documents how they were made and remakes them identically.
Selection positions are computed from the texts the way each tool counts, so that each
selection marks exactly the words given here (the tests compare the imported text).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
STAMP = (2024, 1, 2, 3, 4, 6)


def utf16_crlf(text: str, index: int) -> int:
    """Position of code point ``index`` counted as NVivo for Windows does: UTF-16 code units,
    every line break two units (CRLF), also where the file has a bare LF."""
    units = 0
    for i, ch in enumerate(text[:index]):
        if ch == "\n":
            units += 1 if i > 0 and text[i - 1] == "\r" else 2
        else:
            units += 2 if ord(ch) > 0xFFFF else 1
    return units


def span(text: str, quote: str, count: object = None) -> tuple[int, int]:
    start = text.index(quote)
    end = start + len(quote)
    if count is None:
        return start, end
    return utf16_crlf(text, start), utf16_crlf(text, end)


def write(name: str, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(HERE / name, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            info = zipfile.ZipInfo(member, STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)


# -- ATLAS.ti style: a .qde named after the project, Sources/, namespace 0:4, GUIDs upper case
#    in braces, folders (isCodable="false"), "Trust" under two parents, a '/' in a name,
#    a BOM and CRLF in the text, NFD accents, a docx beside its txt.

A_USER_1 = "{088B08AC-D5CD-4ADB-8B71-B4F3459C177F}"
A_USER_2 = "{C32A2BD5-537F-4838-8B17-DF9EFBAFDF4B}"
A_SRC_1 = "A1B2C3D4-0001-4000-8000-00000000000A"
A_SRC_2 = "A1B2C3D4-0002-4000-8000-00000000000B"
A_TEXT_1 = (
    "Interviewer: Do you trust the council?\r\n"
    "R: Honestly, I don't trust them.\r\n"
    "R: My neighbours trust them more.\r\n"
)
A_TEXT_2 = (
    "Interviewer: Where do you meet?\r\n"
    "R: At the cafe\u0301 near the mairie. The cafe\u0301 is our place.\r\n"
)


def atlas() -> None:
    s1 = span(A_TEXT_1, "I don't trust them")
    s2 = span(A_TEXT_1, "My neighbours trust them more.")
    s3 = span(A_TEXT_2, "the cafe\u0301 near the mairie")
    s4 = span(A_TEXT_2, "our place")
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" origin="ATLAS.ti for Windows 23.2.3" name="Council study" creatingUserGUID="{A_USER_1}" xmlns="urn:QDA-XML:project:0:4">
  <Users>
    <User guid="{A_USER_1}" name="Enric" />
    <User guid="{A_USER_2}" name="Mara" />
  </Users>
  <CodeBook>
    <Codes>
      <Code guid="{{9A1E0C3B-0000-4F50-8A6B-000000000001}}" name="Themes" isCodable="false">
        <Code guid="{{9A1E0C3B-0000-4F50-8A6B-000000000002}}" name="Institutions" isCodable="false">
          <Code guid="{{9A1E0C3B-0000-4F50-8A6B-000000000003}}" name="Trust" isCodable="true" color="#1F77B4">
            <Description>Trust in institutions.</Description>
          </Code>
        </Code>
        <Code guid="{{9A1E0C3B-0000-4F50-8A6B-000000000004}}" name="People" isCodable="false">
          <Code guid="{{9A1E0C3B-0000-4F50-8A6B-000000000005}}" name="Trust" isCodable="true" />
        </Code>
      </Code>
      <Code guid="{{9A1E0C3B-0000-4F50-8A6B-000000000006}}" name="Places/Spaces" isCodable="true" />
    </Codes>
  </CodeBook>
  <Sources>
    <TextSource guid="{A_SRC_1}" name="Council 1.txt" plainTextPath="internal://{A_SRC_1}.txt" creatingUser="{A_USER_1}">
      <PlainTextSelection guid="{{B0000000-0000-4000-8000-000000000001}}" name="I don't trust them" startPosition="{s1[0]}" endPosition="{s1[1]}" creatingUser="{A_USER_1}">
        <Coding guid="{{C0000000-0000-4000-8000-000000000001}}">
          <CodeRef targetGUID="{{9A1E0C3B-0000-4F50-8A6B-000000000003}}" />
        </Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="{{B0000000-0000-4000-8000-000000000002}}" name="My neighbours trust them more." startPosition="{s2[0]}" endPosition="{s2[1]}">
        <Coding guid="{{C0000000-0000-4000-8000-000000000002}}" creatingUser="{A_USER_2}">
          <CodeRef targetGUID="{{9A1E0C3B-0000-4F50-8A6B-000000000005}}" />
        </Coding>
      </PlainTextSelection>
    </TextSource>
    <TextSource guid="{A_SRC_2}" name="Council 2.docx" richTextPath="internal://{A_SRC_2}.docx" plainTextPath="internal://{A_SRC_2}.txt" creatingUser="{A_USER_2}">
      <PlainTextSelection guid="{{B0000000-0000-4000-8000-000000000003}}" name="the café near the mairie" startPosition="{s3[0]}" endPosition="{s3[1]}">
        <Coding guid="{{C0000000-0000-4000-8000-000000000003}}">
          <CodeRef targetGUID="{{9A1E0C3B-0000-4F50-8A6B-000000000006}}" />
        </Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="{{B0000000-0000-4000-8000-000000000004}}" name="our place" startPosition="{s4[0]}" endPosition="{s4[1]}" creatingUser="{A_USER_1}">
        <Coding guid="{{C0000000-0000-4000-8000-000000000004}}">
          <CodeRef targetGUID="{{9A1E0C3B-0000-4F50-8A6B-000000000006}}" />
        </Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>
"""
    write(
        "atlas-quirks.qdpx",
        {
            "Council study.qde": qde.encode("utf-8"),
            f"Sources/{A_SRC_1}.txt": b"\xef\xbb\xbf" + A_TEXT_1.encode("utf-8"),
            f"Sources/{A_SRC_2}.docx": b"PK\x03\x04 not read: the plain text is used",
            f"Sources/{A_SRC_2}.txt": b"\xef\xbb\xbf" + A_TEXT_2.encode("utf-8"),
        },
    )


# -- NVivo for Windows style: namespace 1:0, positions in UTF-16 code units with every line
#    break counted as two (the first text has bare LF, the second CRLF), emoji in the text,
#    a selection without a name, one without any creating user, typed case variables.

N_USER = "7e3a1b2c-1111-4222-8333-944455556666"
N_SRC_1 = "d1d1d1d1-0000-4000-8000-000000000001"
N_SRC_2 = "d1d1d1d1-0000-4000-8000-000000000002"
N_TEXT_1 = (
    "Interviewer: How did it go? \U0001f642\n"
    "P01: It went well \U0001f389 and the team was happy.\n"
    "P01: We trust the new system \U0001f44d a lot.\n"
    "Interviewer: Thanks.\n"
)
N_TEXT_2 = "P01: Second day \U0001f600\U0001f600 was fine.\r\nP01: Nothing to add.\r\n"
N_QUOTES_1 = ("It went well", "the team was happy", "We trust the new system", "a lot")
N_QUOTES_2 = ("was fine", "Nothing to add")


def nvivo_windows() -> None:
    selections = []
    for n, quote in enumerate(N_QUOTES_1, start=1):
        start, end = span(N_TEXT_1, quote, count="utf16")
        name = f' name="{quote}"' if n != 4 else ""  # the last one has no name
        user = f' creatingUser="{N_USER}"' if n != 2 else ""  # nor a user anywhere
        selections.append(
            f'<PlainTextSelection guid="e1e1e1e1-0000-4000-8000-00000000000{n}"{name} '
            f'startPosition="{start}" endPosition="{end}"{user}>'
            f'<Coding guid="f1f1f1f1-0000-4000-8000-00000000000{n}"{user}>'
            '<CodeRef targetGUID="31366536-3938-3831-6231-633830313036"/></Coding>'
            "</PlainTextSelection>"
        )
    second = []
    for n, quote in enumerate(N_QUOTES_2, start=5):
        start, end = span(N_TEXT_2, quote, count="utf16")
        second.append(
            f'<PlainTextSelection guid="e1e1e1e1-0000-4000-8000-00000000000{n}" name="{quote}" '
            f'startPosition="{start}" endPosition="{end}" creatingUser="{N_USER}">'
            f'<Coding guid="f1f1f1f1-0000-4000-8000-00000000000{n}" creatingUser="{N_USER}">'
            '<CodeRef targetGUID="36636563-3863-6264-3638-303637613863"/></Coding>'
            "</PlainTextSelection>"
        )
    qde = (
        '<?xml version="1.0" encoding="utf-8" standalone="yes"?>'
        '<Project xmlns="urn:QDA-XML:project:1:0" name="Team study" '
        'origin="NVivo 14 for Windows">'
        f'<Users><User guid="{N_USER}" name="Sam" id="S"/></Users>'
        "<CodeBook><Codes>"
        '<Code guid="34653336-3766-3235-6466-363134396437" name="Mood" isCodable="true">'
        '<Code guid="31366536-3938-3831-6231-633830313036" name="positive" isCodable="true">'
        '<Code guid="36636563-3863-6264-3638-303637613863" name="calm" isCodable="true"/>'
        "</Code></Code></Codes></CodeBook>"
        "<Variables>"
        '<Variable guid="aaaaaaaa-0000-4000-8000-000000000001" name="Age" '
        'typeOfVariable="Integer"/>'
        '<Variable guid="aaaaaaaa-0000-4000-8000-000000000002" name="Consent" '
        'typeOfVariable="Boolean"/>'
        "</Variables>"
        '<Cases><Case guid="cccccccc-0000-4000-8000-000000000001" name="P01">'
        "<VariableValue>"
        '<VariableRef targetGUID="aaaaaaaa-0000-4000-8000-000000000001"/>'
        "<IntegerValue>34</IntegerValue></VariableValue>"
        "<VariableValue>"
        '<VariableRef targetGUID="aaaaaaaa-0000-4000-8000-000000000002"/>'
        "<BooleanValue>true</BooleanValue></VariableValue>"
        f'<SourceRef targetGUID="{N_SRC_1}"/><SourceRef targetGUID="{N_SRC_2}"/>'
        "</Case></Cases>"
        "<Sources>"
        f'<TextSource guid="{N_SRC_1}" name="Day 1" plainTextPath="internal://{N_SRC_1}.txt">'
        + "".join(selections)
        + "</TextSource>"
        f'<TextSource guid="{N_SRC_2}" name="Day 2" plainTextPath="internal://{N_SRC_2}.txt" '
        f'creatingUser="{N_USER}">' + "".join(second) + "</TextSource>"
        "</Sources></Project>"
    )
    write(
        "nvivo-windows-quirks.qdpx",
        {
            "project.qde": qde.encode("utf-8"),
            f"sources/{N_SRC_1}.txt": N_TEXT_1.encode("utf-8"),
            f"sources/{N_SRC_2}.txt": N_TEXT_2.encode("utf-8"),
        },
    )


# -- Transana style: namespace 0:10, text inside the .qde (PlainTextContent), a three-digit
#    colour, notes on a source, a selection, a coding, a code and on nothing, a set
#    "Done by Chris" and another set, an audio source outside the file (never opened),
#    a selection of an unknown code, one past the end of the text, a reversed one.

T_USER = "12345678-aaaa-4bbb-8ccc-1234567890ab"
T_SRC = "0f0f0f0f-0000-4000-8000-000000000001"
T_TEXT = "Facilitator: What happened next?\nParticipant 1: We waited for hours. Then we left.\n"


def transana() -> None:
    s1 = span(T_TEXT, "We waited for hours.")
    s2 = span(T_TEXT, "Then we left.")
    qde = f"""<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="urn:QDA-XML:project:0:10" name="Waiting" origin="Transana 5.10">
  <Users><User guid="{T_USER}" name="Chris"/></Users>
  <CodeBook><Codes>
    <Code guid="0d3f5e7a-1b2c-4d5e-8f90-000000000001" name="Time" isCodable="true" color="#abc">
      <Description>How long things took.

Include: waiting, delays.
Example: "We waited for hours."</Description>
      <NoteRef targetGUID="9e9e9e9e-0000-4000-8000-000000000005"/>
    </Code>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="{T_SRC}" name="Group 1" creatingUser="{T_USER}">
      <PlainTextContent>{T_TEXT}</PlainTextContent>
      <PlainTextSelection guid="5e5e5e5e-0000-4000-8000-000000000001" startPosition="{s1[0]}" endPosition="{s1[1]}" creatingUser="{T_USER}">
        <Coding guid="6e6e6e6e-0000-4000-8000-000000000001" creatingUser="{T_USER}">
          <CodeRef targetGUID="0d3f5e7a-1b2c-4d5e-8f90-000000000001"/>
          <NoteRef targetGUID="9e9e9e9e-0000-4000-8000-000000000003"/>
        </Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="5e5e5e5e-0000-4000-8000-000000000002" startPosition="{s2[0]}" endPosition="{s2[1]}" creatingUser="{T_USER}">
        <NoteRef targetGUID="9e9e9e9e-0000-4000-8000-000000000002"/>
      </PlainTextSelection>
      <PlainTextSelection guid="5e5e5e5e-0000-4000-8000-000000000003" startPosition="{s2[0]}" endPosition="{s2[1]}">
        <Coding guid="6e6e6e6e-0000-4000-8000-000000000003">
          <CodeRef targetGUID="0d3f5e7a-1b2c-4d5e-8f90-0000000000ff"/>
        </Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="5e5e5e5e-0000-4000-8000-000000000004" startPosition="5" endPosition="5000">
        <Coding guid="6e6e6e6e-0000-4000-8000-000000000004">
          <CodeRef targetGUID="0d3f5e7a-1b2c-4d5e-8f90-000000000001"/>
        </Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="5e5e5e5e-0000-4000-8000-000000000005" startPosition="20" endPosition="10">
        <Coding guid="6e6e6e6e-0000-4000-8000-000000000005">
          <CodeRef targetGUID="0d3f5e7a-1b2c-4d5e-8f90-000000000001"/>
        </Coding>
      </PlainTextSelection>
      <NoteRef targetGUID="9e9e9e9e-0000-4000-8000-000000000001"/>
    </TextSource>
    <AudioSource guid="0f0f0f0f-0000-4000-8000-000000000002" name="Group 1 recording" path="relative://audio/group1.mp3"/>
  </Sources>
  <Notes>
    <Note guid="9e9e9e9e-0000-4000-8000-000000000001" name="About the group" creatingUser="{T_USER}">
      <PlainTextContent>Five participants, one facilitator.</PlainTextContent>
    </Note>
    <Note guid="9e9e9e9e-0000-4000-8000-000000000002" name="Leaving">
      <PlainTextContent>They left before the end.</PlainTextContent>
    </Note>
    <Note guid="9e9e9e9e-0000-4000-8000-000000000003" name="On the coding" creatingUser="{T_USER}">
      <PlainTextContent>Hours, not minutes.</PlainTextContent>
    </Note>
    <Note guid="9e9e9e9e-0000-4000-8000-000000000004" name="Loose note">
      <PlainTextContent>Not attached to anything.</PlainTextContent>
    </Note>
    <Note guid="9e9e9e9e-0000-4000-8000-000000000005" name="Code memo">
      <PlainTextContent>Time codes need care.</PlainTextContent>
    </Note>
  </Notes>
  <Sets>
    <Set guid="7e7e7e7e-0000-4000-8000-000000000001" name="Done by Chris">
      <MemberSource targetGUID="{T_SRC}"/>
    </Set>
    <Set guid="7e7e7e7e-0000-4000-8000-000000000002" name="Favourites">
      <MemberSource targetGUID="{T_SRC}"/>
    </Set>
  </Sets>
</Project>
"""
    write("transana-quirks.qdpx", {"project.qde": qde.encode("utf-8")})


if __name__ == "__main__":
    atlas()
    nvivo_windows()
    transana()
