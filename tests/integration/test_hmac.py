"""Cross-check of the runtime's keyed hashing against Python's hmac module.

Runs beacon-hmac-probe (tests/integration/hmac_probe.c, path in
BEACON_HMAC_PROBE) over random keys and messages -- unicode, empty, quotes,
control characters, NUL, invalid UTF-8 -- and over BEACON_HASH_KEY specs, and
compares every hash with hmac.new(key, msg, hashlib.sha256).hexdigest()[:32].
"""

import base64
import hashlib
import hmac
import os
import random
import subprocess
import unittest

PROBE = os.environ.get("BEACON_HMAC_PROBE")

SPECIAL_MESSAGES = [
    b"",
    b'"quoted" and \'single\'',
    b"back\\slash",
    b"\x00",
    b"nul\x00inside",
    bytes(range(0, 32)) + b"\x7f",
    b"line\nbreak\r\n",
    b"\xff\xfe invalid utf-8 \xc3",
    "unicode: Grüße, 電話, emoji \U0001F600, rtl \u05e9\u05dc\u05d5\u05dd".encode(),
    "\u2028\u2029".encode(),
    b"MRN-0042-7781",
    b"x" * 10000,
]


def expected(key, msg):
    return hmac.new(key, msg, hashlib.sha256).hexdigest()[:32]


def run_probe(stdin_text, args=(), env=None):
    proc = subprocess.run(
        [PROBE, *args],
        input=stdin_text.encode(),
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    return proc.returncode, proc.stdout.decode().splitlines()


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BEACON_HASH_KEY")}
    env.update(extra)
    return env


@unittest.skipUnless(PROBE, "BEACON_HMAC_PROBE is not set (registered by CMake)")
class HmacCrossCheck(unittest.TestCase):
    def test_random_keys_and_messages_match_python_hmac(self):
        rng = random.Random(4231)
        cases = []
        for i in range(400):
            key = bytes(rng.randrange(256) for _ in range(rng.choice([16, 17, 32, 63, 64, 65, 200])))
            if i < len(SPECIAL_MESSAGES):
                msg = SPECIAL_MESSAGES[i]
            else:
                msg = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 300)))
            cases.append((key, msg))
        rc, lines = run_probe("".join(f"{k.hex()} {m.hex()}\n" for k, m in cases))
        self.assertEqual(rc, 0)
        self.assertEqual(len(lines), len(cases))
        for (key, msg), got in zip(cases, lines):
            self.assertEqual(got, expected(key, msg), f"key={key.hex()} msg={msg!r}")

    def test_every_special_message_matches_under_one_key(self):
        key = b"k" * 16
        rc, lines = run_probe("".join(f"{key.hex()} {m.hex()}\n" for m in SPECIAL_MESSAGES))
        self.assertEqual(rc, 0)
        self.assertEqual(lines, [expected(key, m) for m in SPECIAL_MESSAGES])

    def test_keys_shorter_than_16_bytes_are_refused(self):
        rc, lines = run_probe(f"{(b'k' * 15).hex()} {b'x'.hex()}\n{b''.hex()} 00\n")
        self.assertEqual(rc, 0)
        self.assertEqual(lines, ["error", "error"])

    def env_hashes(self, spec, key_id=None, messages=SPECIAL_MESSAGES):
        extra = {"BEACON_HASH_KEY": spec}
        if key_id is not None:
            extra["BEACON_HASH_KEY_ID"] = key_id
        rc, lines = run_probe(
            "".join(m.hex() + "\n" for m in messages), ["--env"], clean_env(**extra)
        )
        return rc, lines

    def test_hex_spec_from_environment_matches(self):
        key = bytes(range(32))
        rc, lines = self.env_hashes("hex:" + key.hex(), "2026-q4")
        self.assertEqual(rc, 0)
        self.assertEqual(lines[0], "key_id 2026-q4")
        self.assertEqual(lines[1:], [expected(key, m) for m in SPECIAL_MESSAGES])

    def test_base64_spec_from_environment_matches(self):
        key = bytes(range(100, 140))
        for encoded in (base64.b64encode(key), base64.urlsafe_b64encode(key).rstrip(b"=")):
            rc, lines = self.env_hashes("base64:" + encoded.decode(), "b64")
            self.assertEqual(rc, 0)
            self.assertEqual(lines[1:], [expected(key, m) for m in SPECIAL_MESSAGES])

    def test_text_spec_is_its_utf8_bytes_and_derives_key_id(self):
        text = "clé secrète partagée 2026"
        key = text.encode()
        rc, lines = self.env_hashes(text)
        self.assertEqual(rc, 0)
        self.assertEqual(lines[0], "key_id " + expected(key, b"beacon key id")[:8])
        self.assertEqual(lines[1:], [expected(key, m) for m in SPECIAL_MESSAGES])

    def test_short_environment_key_is_refused_with_message(self):
        rc, lines = self.env_hashes("hex:00112233", messages=[])
        self.assertEqual(rc, 2)
        self.assertIn("BEACON_HASH_KEY: key shorter than 16 bytes", lines[0])
        self.assertNotIn("00112233", lines[0])

    def test_unset_environment_key_means_no_hasher(self):
        rc, lines = run_probe("", ["--env"], clean_env())
        self.assertEqual(rc, 3)
        self.assertEqual(lines, ["nokey"])


if __name__ == "__main__":
    unittest.main()
