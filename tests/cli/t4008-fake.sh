#!/bin/bash
# The fake's own self-test (tests/fake/test_fake.py): that it refuses what
# each real API refuses, and replays the documented requests of
# tests/fake/examples.json as the references answer them.
exec python3 "$TEST_TOP/tests/fake/test_fake.py"
