"""Signed button values: genuine ones verify; forged, altered, expired or moved ones do not."""

from __future__ import annotations

import pytest

from bot.signing import ButtonRefused, ButtonSigner


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def signer(clock: Clock) -> ButtonSigner:
    return ButtonSigner("s3cret", ttl_s=3600, clock=clock).bind(c="C1", r="r1")


CLAIMS = {"a": "rerun_comprehensive", "s": "checkout-api", "e": "prod"}


class TestButtonSigner:
    """What a button value can and cannot be made to do."""

    def test_round_trip(self, signer: ButtonSigner) -> None:
        claims = signer.verify(signer.sign(CLAIMS), action="rerun_comprehensive", channel="C1")
        assert claims["s"] == "checkout-api"
        assert claims["e"] == "prod"
        assert claims["r"] == "r1"

    def test_another_secret_is_refused(self, signer: ButtonSigner, clock: Clock) -> None:
        forged = ButtonSigner("guess", clock=clock).bind(c="C1").sign(CLAIMS)
        with pytest.raises(ButtonRefused, match="not issued"):
            signer.verify(forged, action="rerun_comprehensive", channel="C1")

    def test_altered_service_is_refused(self, signer: ButtonSigner, clock: Clock) -> None:
        genuine = signer.sign(CLAIMS)
        other = signer.sign({**CLAIMS, "s": "billing-api"})
        spliced = other.split(".")[0] + "." + genuine.split(".")[1]
        with pytest.raises(ButtonRefused):
            signer.verify(spliced, action="rerun_comprehensive", channel="C1")

    def test_expired_is_refused(self, signer: ButtonSigner, clock: Clock) -> None:
        value = signer.sign(CLAIMS)
        clock.now += 3601
        with pytest.raises(ButtonRefused, match="expired"):
            signer.verify(value, action="rerun_comprehensive", channel="C1")

    def test_other_channel_is_refused(self, signer: ButtonSigner) -> None:
        with pytest.raises(ButtonRefused, match="another channel"):
            signer.verify(signer.sign(CLAIMS), action="rerun_comprehensive", channel="C2")

    def test_other_action_is_refused(self, signer: ButtonSigner) -> None:
        with pytest.raises(ButtonRefused, match="another action"):
            signer.verify(signer.sign(CLAIMS), action="feedback_up", channel="C1")

    @pytest.mark.parametrize("junk", ["", ".", "abc", "a.b.c", "!!!.???", "e30.x"])
    def test_junk_is_refused(self, signer: ButtonSigner, junk: str) -> None:
        with pytest.raises(ButtonRefused):
            signer.verify(junk, action="rerun_comprehensive", channel="C1")
