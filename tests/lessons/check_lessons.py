#!/usr/bin/python3
"""Runs every lesson of docs/lessons/ as written and checks that it still tells the truth.

Usage: check_lessons.py POOLNET WORKDIR [--update-figures] [--self-test]

For each lesson (docs/lessons/NN_*.md, in the order of docs/lessons/README.md) the commands of
its ```sh blocks run in order in WORKDIR/course, one folder for the whole course as the
repository root is for a student, where `build/release/poolnet` is POOLNET and `experiments/` is
the repository's: the text a student runs is the text that runs here, and a lesson that wrote
over another's output would fail. Then:

- every number written as `VALUE<!-- = SOURCE -->` is compared with SOURCE, within half a unit
  of VALUE's last printed digit. SOURCE is `out:N line:PREFIX field:K` (the first line of the
  lesson's N-th command's stdout that starts with PREFIX, runs of spaces counting as one; whitespace
  field K counted from 1, or from the end when negative) or
  `csv:PATH where:COL=VAL[,COL=VAL] col:NAME` (PATH relative to the course folder);
- every numeric cell of the "Numbers to read off" table (the first column names the number)
  must carry such a binding;
- every picture `![...](img/NAME.svg)` must have a `<!-- figure: img/NAME.svg from PATH -->`
  line, PATH must have been produced, and docs/lessons/img/NAME.svg must equal it
  (`--update-figures` copies it there instead).

Any failing command, unbound number, differing number or missing picture fails the check (exit
1). `--self-test` runs the checker on small made-up lessons, one right and four wrong, and
fails unless it accepts the right one and rejects each wrong one: a checker that cannot fail
checks nothing. Python 3 standard library only.
"""
import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal

BINDING = re.compile(r"(-?\d+(?:\.\d+)?)<!-- = (.*?) -->")
FIGURE = re.compile(r"<!-- figure: (img/\S+) from (\S+) -->")
PICTURE = re.compile(r"!\[[^\]]*\]\((img/[^)]+)\)")
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])")


def commands(text):
    """The commands of the ```sh blocks, backslash continuations joined."""
    out = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                out.append(line)
    return out


def tolerance(quoted):
    exponent = Decimal(quoted).as_tuple().exponent
    return 0.5 * 10.0 ** exponent + 1e-12


def lookup(source, outputs, folder):
    words = dict(w.split(":", 1) for w in re.findall(r"\S+:(?:\"[^\"]*\"|\S+)", source))
    words = {k: v.strip('"') for k, v in words.items()}
    if "out" in words:
        n = int(words["out"])
        if not 1 <= n <= len(outputs):
            raise ValueError(f"out:{n}: the lesson has {len(outputs)} commands")
        for line in outputs[n - 1].splitlines():
            if " ".join(line.split()).startswith(" ".join(words["line"].split())):
                k = int(words["field"])
                return line.split()[k - 1 if k > 0 else k]
        raise ValueError(f"no line of command {n}'s output starts with '{words['line']}'")
    if "csv" in words:
        conditions = dict(c.split("=", 1) for c in words.get("where", "").split(",") if c)
        with open(os.path.join(folder, words["csv"]), newline="") as f:
            for row in csv.DictReader(f):
                if all(row.get(k) == v for k, v in conditions.items()):
                    return row[words["col"]]
        raise ValueError(f"no row of {words['csv']} has {conditions}")
    raise ValueError(f"unknown source '{source}'")


def numbers_table_errors(text):
    """Numeric cells of the 'Numbers to read off' table without a binding."""
    match = re.search(r"^## Numbers to read off\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    if not match:
        return ["no '## Numbers to read off' section"]
    errors = []
    for line in match.group(1).splitlines():
        if not line.startswith("|") or re.match(r"^\|[\s:|-]+\|$", line):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")][1:]
        for cell in cells:
            rest = BINDING.sub("", cell)
            if NUMBER.search(rest):
                errors.append(f"unbound number in table cell '{cell}'")
    return errors


def course_folder(work, name, poolnet, repo):
    """A fresh WORK/NAME laid out like the repository root: build/release/poolnet, experiments/."""
    folder = os.path.join(work, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(os.path.join(folder, "build", "release"))
    os.symlink(os.path.abspath(poolnet), os.path.join(folder, "build", "release", "poolnet"))
    os.symlink(os.path.join(repo, "experiments"), os.path.join(folder, "experiments"))
    return folder


def check_lesson(path, folder, img_dir, update):
    text = open(path).read()
    name = os.path.splitext(os.path.basename(path))[0]
    errors = numbers_table_errors(text)
    outputs = []
    for i, command in enumerate(commands(text), 1):
        run = subprocess.run(["bash", "-c", command], cwd=folder, capture_output=True, text=True)
        with open(os.path.join(folder, f"{name}.command{i}.out"), "w") as f:
            f.write(run.stdout)
        if run.returncode != 0:
            errors.append(f"command {i} exited {run.returncode}: {command}\n{run.stderr.strip()}")
            return errors
        outputs.append(run.stdout)
    for quoted, source in BINDING.findall(text):
        try:
            actual = lookup(source, outputs, folder)
            if abs(float(actual) - float(quoted)) > tolerance(quoted):
                errors.append(f"{quoted} is quoted, {source} gives {actual}")
        except (ValueError, KeyError, OSError) as e:
            errors.append(f"{quoted} <- {source}: {e}")
    figures = dict(FIGURE.findall(text))
    have_gnuplot = shutil.which("gnuplot") is not None
    for picture in PICTURE.findall(text):
        if picture not in figures:
            errors.append(f"picture {picture} has no '<!-- figure: {picture} from PATH -->'")
            continue
        produced = os.path.join(folder, figures[picture])
        committed = os.path.join(img_dir, os.path.basename(picture))
        if not have_gnuplot:
            continue
        if not os.path.isfile(produced):
            errors.append(f"picture {picture}: {figures[picture]} was not produced")
        elif update:
            shutil.copyfile(produced, committed)
        elif not os.path.isfile(committed) or open(produced, "rb").read() != open(committed, "rb").read():
            errors.append(f"picture {picture} differs from the {figures[picture]} the commands draw now")
    return errors


def lesson_files(lessons_dir):
    index = open(os.path.join(lessons_dir, "README.md")).read()
    return [os.path.join(lessons_dir, f) for f in re.findall(r"\]\((\d\d_[\w-]+\.md)\)", index)]


def self_test(poolnet, work):
    repo = tempfile.mkdtemp(prefix="lessons-self-test-")
    os.makedirs(os.path.join(repo, "experiments"))
    img = os.path.join(repo, "img")
    os.makedirs(img)
    table = "## Numbers to read off\n\n| what | value |\n|---|---|\n"
    command = "```sh\nprintf 'x,y\\n1,0.25\\n' > t.csv && echo 'acc 0.8125'\n```\n"
    cases = {
        "right": command + table + "| acc | 0.81<!-- = out:1 line:acc field:2 --> |\n"
                                   "| y | 0.250<!-- = csv:t.csv where:x=1 col:y --> |\n",
        "wrong number": command + table + "| acc | 0.80<!-- = out:1 line:acc field:2 --> |\n",
        "unbound number": command + table + "| acc | 0.8125 |\n",
        "failing command": "```sh\nfalse\n```\n" + table,
        "picture without a source": command + "![a picture](img/a.svg)\n" + table,
    }
    ok = True
    for case, text in cases.items():
        path = os.path.join(repo, f"00_{case.replace(' ', '_')}.md")
        open(path, "w").write(text)
        errors = check_lesson(path, course_folder(work, "self-test", poolnet, repo), img, False)
        if (case == "right") == bool(errors):
            print(f"self-test: the '{case}' lesson was {'rejected' if errors else 'accepted'}: {errors}")
            ok = False
    shutil.rmtree(repo)
    print("self-test:", "the checker accepts the right lesson and rejects each wrong one" if ok else "FAILED")
    return ok


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 2:
        sys.exit(__doc__)
    poolnet, work = os.path.abspath(args[0]), os.path.abspath(args[1])
    os.makedirs(work, exist_ok=True)
    if not self_test(poolnet, work):
        sys.exit(1)
    if "--self-test" in sys.argv:
        return
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    lessons_dir = os.path.join(repo, "docs", "lessons")
    failed = False
    folder = course_folder(work, "course", poolnet, repo)
    for path in lesson_files(lessons_dir):
        errors = check_lesson(path, folder, os.path.join(lessons_dir, "img"), "--update-figures" in sys.argv)
        print(f"{os.path.basename(path)}: {'ok' if not errors else 'FAILED'}")
        for e in errors:
            print("  " + e)
        failed |= bool(errors)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
