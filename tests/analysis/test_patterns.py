"""Every pattern's examples: each positive matches one of its regexes, no near miss does."""

from __future__ import annotations

import re

import pytest

from analysis.library import Pattern, load_library
from analysis.matcher import HyperscanMatcher, ReferenceMatcher, regex_specs

LIBRARY = load_library()
SPECS = regex_specs(LIBRARY)
FAST = HyperscanMatcher(SPECS)
REFERENCE = ReferenceMatcher(SPECS)
PATTERNS = [p for p in LIBRARY.patterns if p.examples is not None]


def own_hits(pattern: Pattern, text: str) -> set[int]:
    """This pattern's own supporting regexes that match a line of `text` (both engines agree).

    Counter-evidence regexes (negative weight) are left out: a near miss may well match them.
    """
    index = LIBRARY.patterns.index(pattern)
    own = {
        s.id
        for s in SPECS
        if s.pattern_index == index and pattern.signals[s.signal_index].weight > 0
    }
    lines = text.split("\n")
    fast = {rid for _, rid in FAST.scan(lines) if rid in own}
    ref = {rid for _, rid in REFERENCE.scan(lines) if rid in own}
    assert fast == ref
    return fast


@pytest.mark.parametrize("pattern", PATTERNS, ids=[p.id for p in PATTERNS])
class TestExamples:
    """Examples are realistic lines, written from documented runtime and platform messages."""

    def test_each_positive_example_matches(self, pattern: Pattern) -> None:
        assert pattern.examples is not None
        for example in pattern.examples.match:
            assert own_hits(pattern, example), f"{pattern.id} misses: {example!r}"

    def test_no_near_miss_matches(self, pattern: Pattern) -> None:
        assert pattern.examples is not None
        for example in pattern.examples.no_match:
            assert not own_hits(pattern, example), f"{pattern.id} wrongly matches: {example!r}"


# Identifiers that platforms and runtimes print (event reasons, error codes, exception
# classes). A signal that matches inside one of them, starting mid-word, reads one message as
# another: `LimitExceeded` once matched inside Kubernetes' `BackoffLimitExceeded`.
IDENTIFIERS = re.findall(
    r"\S+",
    """
BackoffLimitExceeded DeadlineExceeded ProgressDeadlineExceeded FailedScheduling FailedMount
FailedAttachVolume FailedCreatePodSandBox FailedKillPod FailedPreStopHook FailedPostStartHook
NodeNotReady NodeHasDiskPressure NodeHasInsufficientMemory NodeHasInsufficientPID
EvictionThresholdMet ContainerGCFailed ImageGCFailed FreeDiskSpaceFailed NetworkNotReady
InvalidDiskCapacity TooManyActivePods MinimumReplicasUnavailable FailedGetResourceMetric
ProvisioningFailed WaitForFirstConsumer FailedBinding VolumeResizeFailed ErrImagePull
ImagePullBackOff ErrImageNeverPull InvalidImageName CreateContainerConfigError
CreateContainerError RunContainerError PostStartHookError ContainerCannotRun CrashLoopBackOff
OOMKilled ContainerStatusUnknown UnexpectedAdmissionError OutOfcpu OutOfmemory OutOfpods
TaintManagerEviction NotTriggerScaleUp ScaleDownFailed SyncLoadBalancerFailed
LimitExceededException ThrottlingException RequestLimitExceeded ServiceQuotaExceededException
TooManyRequestsException ResourceNotFoundException AccessDeniedException UnauthorizedOperation
InvalidParameterException ClusterNotFoundException ServiceNotActiveException
PlatformTaskDefinitionIncompatibilityException AttributeLimitExceededException
ResourceInUseException ExpiredTokenException UnrecognizedClientException SignatureDoesNotMatch
CannotPullContainerError CannotStartContainerError CannotCreateContainerError
CannotInspectContainerError ResourceInitializationError TaskFailedToStart DockerTimeoutError
OutOfMemoryError ContainerRuntimeError ContainerRuntimeTimeoutError SpotInterruption
RESOURCE_EXHAUSTED DEADLINE_EXCEEDED FAILED_PRECONDITION HealthCheckContainerError
RevisionFailed RevisionMissing ContainerPermissionDenied ImageNotFound SocketTimeoutException
ConnectTimeoutException UnknownHostException NoRouteToHostException HttpHostConnectException
SSLHandshakeException CertificateExpiredException StackOverflowError NoSuchMethodError
NoClassDefFoundError ClassNotFoundException UnsatisfiedLinkError BeanCreationException
UnsatisfiedDependencyException PortInUseException ResourceAccessException
SQLTransientConnectionException CommunicationsException CannotGetJdbcConnectionException
TaskCanceledException HttpRequestException DirectoryNotFoundException
UnauthorizedAccessException TypeLoadException BadImageFormatException DllNotFoundException
ImproperlyConfigured ModuleNotFoundError ConnectionRefusedError ConnectionResetError
ServerSelectionTimeoutError ERR_MODULE_NOT_FOUND ERR_SOCKET_BAD_PORT ERR_OSSL_EVP_UNSUPPORTED
""",
)
# Matches inside an identifier that mean the same thing as the identifier.
SAME_MEANING = {
    ("PullBackOff", "ImagePullBackOff"),
    ("DiskPressure", "NodeHasDiskPressure"),
    ("QuotaExceeded", "ServiceQuotaExceededException"),
    ("TimeoutError", "DockerTimeoutError"),
    ("TimeoutError", "ContainerRuntimeTimeoutError"),
    ("TimeoutError", "ServerSelectionTimeoutError"),
}


def test_no_signal_matches_inside_a_longer_identifier() -> None:
    inside = set()
    for pattern in LIBRARY.patterns:
        for signal in pattern.signals:
            if signal.regex is None:
                continue
            rx = re.compile(signal.regex, 0 if signal.case_sensitive else re.IGNORECASE)
            for name in IDENTIFIERS:
                found = rx.search(name)
                if (
                    found
                    and found.start() > 0
                    and name[found.start() - 1].isalpha()
                    and (found.group(0), name) not in SAME_MEANING
                ):
                    inside.add((pattern.id, found.group(0), name))
    assert not inside
