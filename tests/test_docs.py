"""The README's compatibility summary is the one tools/compat_table.py wrote into docs/compat_api.md,
and the docs that the README points to exist."""
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read(*path):
    return open(os.path.join(ROOT, *path), encoding='utf-8').read()


def summary_table(text):
    return re.search(r'^\| part of the API \|.*?(?=\n\n)', text, re.M | re.S).group(0)


def test_readme_compat_summary_matches_docs():
    assert summary_table(read('README.md')) == summary_table(read('docs', 'compat_api.md'))


def test_readme_links_exist():
    for path in re.findall(r'`(docs/[\w.-]+\.md)`', read('README.md')):
        assert os.path.exists(os.path.join(ROOT, path)), path
