"""`newsbrief analyse` loads the NLP core only when it has an article to analyse.

The summarizer is about half of a short `analyse` call's start-up; its help and a file
that cannot be read are answered without it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _modules_after(argv: list[str]) -> tuple[list[str], str]:
    """The summarizer/NLTK/numpy modules loaded by ``main(argv)`` in a fresh interpreter,
    and what the command wrote to stderr."""
    code = (
        "import sys, contextlib, io, json\n"
        "from bot.cli import main\n"
        "err = io.StringIO()\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err), "
        "contextlib.suppress(SystemExit):\n"
        f"    main({argv!r})\n"
        "print(json.dumps([m for m in sys.modules if m.split('.')[0] in "
        "('summarizer', 'nltk', 'numpy')]))\n"
        "print(err.getvalue(), end='')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    loaded, _, err = result.stdout.partition("\n")
    return json.loads(loaded), err


def test_analyse_help_does_not_load_the_summarizer() -> None:
    loaded, _ = _modules_after(["analyse", "--help"])
    assert loaded == []


def test_an_unreadable_file_is_reported_without_loading_the_summarizer(tmp_path: Path) -> None:
    loaded, err = _modules_after(["analyse", str(tmp_path / "missing.txt")])
    assert "cannot read" in err
    assert loaded == []


def test_an_article_loads_it(tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    article.write_text("The minister said the talks in Geneva would resume.\n", encoding="utf-8")
    loaded, _ = _modules_after(["analyse", str(article)])
    assert "summarizer" in loaded
