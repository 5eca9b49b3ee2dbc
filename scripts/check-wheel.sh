#!/usr/bin/env bash
# Build the wheel, install it in a fresh venv outside the source tree, and check that the
# built-in frameworks and templates came with it.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$here/.venv/bin/python" -m pip wheel -q --no-deps -w "$work/dist" "$here"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "$work"/dist/assess-*.whl
cd "$work"
listing=$("$work/venv/bin/assess" frameworks list)
echo "$listing"
grep -q "^service-ownership" <<<"$listing"
test -d "$("$work/venv/bin/python" -c 'import assess, pathlib; print(pathlib.Path(assess.__file__).parent / "_content" / "report_templates")')"
web=$("$work/venv/bin/python" -c 'import assess, pathlib; print(pathlib.Path(assess.__file__).parent / "web")')
test -f "$web/templates/question.html" && test -f "$web/static/site.css" && test -f "$web/migrations/versions/0001_first_schema.py"
echo "wheel ok: built-in frameworks, report templates and the web service's pages and migrations ship inside it"
