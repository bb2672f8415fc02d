"""The platform registry (safewatch/platforms.yml, or SAFEWATCH_PLATFORMS_FILE): to whom a notice to a
platform is addressed (legal name, address, contact channel), loaded and validated with messages that
name the platform and the field. The letter's "Kính gửi:" line comes from here, never from a code."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from safewatch.errors import SafeWatchError

DEFAULT_FILE = Path(__file__).resolve().parent / "platforms.yml"
CONTACT_CHANNELS = ("email", "web_form", "phone", "letter")
_CODE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ().-]{6,24}$")
FIELDS = ("legal_name", "address", "contact", "note")
WHAT = {"legal_name": "the registered name the letter is addressed to", "address": "where the letter is sent"}


class PlatformError(SafeWatchError, ValueError):
    """The platform registry has a mistake (the message names the platform and the field)."""


@dataclass(frozen=True)
class Platform:
    code: str
    legal_name: str
    address: str
    contact_channel: str
    contact: str
    note: str = ""

    def as_recipient(self) -> dict:
        """What a notice keeps of its recipient, as it was when drafted."""
        return {"platform": self.code, "legal_name": self.legal_name, "address": self.address,
                "contact_channel": self.contact_channel, "contact": self.contact}


@dataclass(frozen=True)
class PlatformRegistry:
    platforms: Mapping[str, Platform]
    path: Path | None = None

    def get(self, code: str | None) -> Platform | None:
        return self.platforms.get((code or "").lower())

    def __len__(self) -> int:
        return len(self.platforms)


def default_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env["SAFEWATCH_PLATFORMS_FILE"]) if env.get("SAFEWATCH_PLATFORMS_FILE") else DEFAULT_FILE


def load(path: Path | str | None = None) -> PlatformRegistry:
    """The registry in `path` (default: SAFEWATCH_PLATFORMS_FILE or the shipped file); PlatformError
    on any mistake."""
    path = Path(path) if path else default_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PlatformError(f"{path}: cannot read the platform registry ({error.strerror or error}).") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise PlatformError(f"{path}: not valid YAML ({str(error).splitlines()[0]}).") from None
    return PlatformRegistry(parse(data, where=str(path)), path)


def parse(data: object, *, where: str = "platforms") -> dict[str, Platform]:
    if not isinstance(data, dict) or not isinstance(data.get("platforms"), dict) or not data["platforms"]:
        raise PlatformError(f"{where}: expected a mapping 'platforms:' with one entry per platform code.")
    return {str(code).lower(): _platform(str(code), entry, where) for code, entry in data["platforms"].items()}


def _platform(code: str, entry: object, where: str) -> Platform:
    def fail(message: str) -> PlatformError:
        return PlatformError(f"{where}: platform '{code}': {message}")

    if not _CODE.match(code.lower()):
        raise fail("the code must be lower-case letters, digits, '.', '_' or '-'.")
    if not isinstance(entry, dict):
        raise fail("expected legal_name, address and contact.")
    unknown = sorted(set(entry) - set(FIELDS))
    if unknown:
        raise fail(f"unknown field(s) {', '.join(map(str, unknown))}; use {', '.join(FIELDS)}.")
    values = {}
    for name in ("legal_name", "address"):
        value = entry.get(name)
        if not isinstance(value, str) or not value.strip():
            raise fail(f"{name} is missing ({WHAT[name]}).")
        if len(value) > 300:
            raise fail(f"{name} is longer than 300 characters.")
        values[name] = " ".join(value.split())
    contact = entry.get("contact")
    if not isinstance(contact, dict) or set(contact) != {"channel", "value"}:
        raise fail("contact must be {channel: email|web_form|phone|letter, value: ...}.")
    channel, value = contact["channel"], str(contact["value"] or "").strip()
    if channel not in CONTACT_CHANNELS:
        raise fail(f"contact channel '{channel}' is not one of {', '.join(CONTACT_CHANNELS)}.")
    if not value:
        raise fail("contact value is missing.")
    if channel == "email" and not _EMAIL.match(value):
        raise fail(f"contact '{value}' is not an email address.")
    if channel == "web_form" and not value.startswith("https://"):
        raise fail(f"contact '{value}' is not an https:// address of a web form.")
    if channel == "phone" and not _PHONE.match(value):
        raise fail(f"contact '{value}' is not a phone number.")
    return Platform(code.lower(), values["legal_name"], values["address"], channel, value,
                    str(entry.get("note") or ""))
