# Makes scripts/tests/ a package, so that CI's `python3 -m unittest discover -s scripts -p 'test_*.py'` finds its tests.
