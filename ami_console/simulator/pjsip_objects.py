"""What res_pjsip says about its sorcery objects over AMI: the endpoint, auth, AOR and
contact fields, in the order and with the values of pjsip_register (the captures'
pjsip.conf, every option not set there at its default).

Asterisk writes an object's fields in the order its sorcery object set holds them,
which is neither alphabetical nor the configuration's: the tables below are that order.
"""

from __future__ import annotations

from .config import Endpoint
from .contacts import QUALIFY_FREQUENCY, USER_AGENT, Contact

Fields = list[tuple[str, object]]

# PJSIPShowEndpoint's EndpointDetail between ObjectName and DeviceState; {name},
# {callerid} and {context} are the endpoint's.
_ENDPOINT = """\
RpidImmediate: false
Webrtc: no
Ignore183WithoutSdp: false
SendAoc: false
DeviceStateBusyAt: 0
T38UdptlMaxdatagram: 0
CodecPrefsIncomingAnswer: prefer:pending, operation:intersect, keep:all, transcode:allow
SecurityNegotiation: no
DtlsRekey: 0
RtpPortEnd: 0
NamedPickupGroup:
DirectMediaMethod: invite
SendRpid: false
PickupGroup:
SdpSession: Asterisk
DtlsVerify: No
MessageContext:
Tenantid:
Mailboxes:
RecordOnFeature: automixmon
DtlsPrivateKey:
DtlsFingerprint: SHA-256
OverlapContext:
OutgoingCallOfferPref: remote_merge
RtpPortStart: 0
FromDomain:
TimersSessExpires: 1800
NamedCallGroup:
DtlsCipher:
MediaEncryptionOptimistic: false
SuppressQ850ReasonHeaders: false
Aors: {name}
IdentifyBy: username,ip
CalleridPrivacy: allowed_not_screened
MwiSubscribeReplacesUnsolicited: no
CosAudio: 0
FollowEarlyMediaFork: true
Context: {context}
RtpSymmetric: true
Transport:
MohSuggest: default
T38Udptl: false
FaxDetect: false
T38BindUdptlToMediaAddress: false
TosVideo: 0
SrtpTag32: false
ReferBlindProgress: true
MaxAudioStreams: 1
Bundle: false
UseAvpf: false
CallGroup:
SendConnectedLine: yes
FaxDetectTimeout: 0
SdpOwner: -
ForceRport: true
CalleridTag:
RtpTimeoutHold: 0
SuppressMohOnSendonly: false
UsePtime: false
MediaAddress:
VoicemailExtension:
RtpTimeout: 0
StirShaken: no
SetVar:
ContactAcl:
PreferredCodecOnly: false
GeolocOutgoingCallProfile:
ForceAvp: false
RecordOffFeature: automixmon
FromUser:
SendDiversion: true
SendHistoryInfo: false
T38UdptlIpv6: false
ToneZone:
Language:
AllowSubscribe: true
RtpIpv6: false
Callerid: {callerid}
MohPassthrough: false
CosVideo: 0
DtlsAutoGenerateCert: No
AsymmetricRtpCodec: false
GeolocIncomingCallProfile:
IceSupport: false
AggregateMwi: true
OneTouchRecording: false
MwiFromUser:
RedirectMethod: user
Accountcode:
CodecPrefsOutgoingAnswer: prefer:pending, operation:intersect, keep:all, transcode:allow
Allow: (ulaw|alaw)
RewriteContact: true
UserEqPhone: false
RtpEngine: asterisk
FollowRedirectMethods:
SubscribeContext:
NotifyEarlyInuseRinging: false
IncomingMwiMailbox:
IncomingCallOfferPref: local
AllowUnauthenticatedOptions: false
Auth: {name}
DirectMediaGlareMitigation: none
TrustIdInbound: false
StirShakenProfile:
BindRtpToMediaAddress: false
DisableDirectMediaOnNat: false
MediaEncryption: no
MediaUseReceivedTransport: false
AllowOverlap: true
DtmfMode: rfc4733
OutboundAuth:
TosAudio: 0
DtlsCertFile:
DtlsCaPath:
DtlsSetup: active
ConnectedLineMethod: invite
G726NonStandard: false
100rel: yes
Timers: yes
DirectMedia: false
Acl:
TimersMinSe: 90
TrustIdOutbound: false
SubMinExpiry: 0
RtcpMux: false
MaxVideoStreams: 1
AcceptMultipleSdpAnswers: false
CodecPrefsIncomingOffer: prefer:pending, operation:intersect, keep:all, transcode:allow
CodecPrefsOutgoingOffer: prefer:pending, operation:union, keep:all, transcode:allow
TrustConnectedLine: yes
SendPai: false
RtpKeepalive: 0
T38UdptlEc: none
T38UdptlNat: false
AllowTransfer: true
DtlsCaFile:
OutboundProxy:
InbandProgress: false
"""


def _pairs(text: str) -> list[tuple[str, str]]:
    return [(key, value.strip()) for key, _, value in (line.partition(":") for line in text.splitlines())]


ENDPOINT_FIELDS = _pairs(_ENDPOINT)

# The AOR's fields (AorList; AorDetail adds the counts and EndpointName).
_AOR_HEAD = [
    ("MinimumExpiration", 60),
    ("DefaultExpiration", 3600),
    ("QualifyTimeout", "3.000000"),
    ("Qualify2xxOnly", "false"),
    ("Mailboxes", ""),
    ("SupportPath", "false"),
    ("RemoveUnavailable", "false"),
    ("VoicemailExtension", ""),
    ("MaxContacts", 1),
    ("AuthenticateQualify", "false"),
]
_AOR_TAIL = [
    ("MaximumExpiration", 7200),
    ("QualifyFrequency", QUALIFY_FREQUENCY),
    ("RemoveExisting", "true"),
    ("OutboundProxy", ""),
]


def named(kind: str, name: str) -> Fields:
    return [("ObjectType", kind), ("ObjectName", name)]


def endpoint_detail(endpoint: Endpoint) -> Fields:
    values = {
        "name": endpoint.name,
        "callerid": f'"{endpoint.display}" <{endpoint.number}>',
        "context": endpoint.context,
    }
    return [*named("endpoint", endpoint.name), *[(key, value.format(**values)) for key, value in ENDPOINT_FIELDS]]


def endpoint_list(endpoint: Endpoint, contact: Contact | None) -> Fields:
    """EndpointList, before DeviceState and ActiveChannels: each contact as ``aor/uri,``."""
    return [
        *named("endpoint", endpoint.name),
        ("Transport", ""),
        ("Aor", endpoint.name),
        ("Auths", endpoint.name),
        ("OutboundAuths", ""),
        ("Contacts", f"{endpoint.name}/{contact.uri}," if contact is not None else ""),
    ]


def auth_detail(endpoint: Endpoint) -> Fields:
    """The password is shown, as Asterisk shows it (pjsip.conf: the name + "pass")."""
    return [
        *named("auth", endpoint.name),
        ("OauthSecret", ""),
        ("PasswordDigest", ""),
        ("SupportedAlgorithmsUas", "MD5"),
        ("RefreshToken", ""),
        ("Username", endpoint.name),
        ("Md5Cred", ""),
        ("Realm", ""),
        ("AuthType", "userpass"),
        ("Password", f"{endpoint.name}pass"),
        ("SupportedAlgorithmsUac", "MD5"),
        ("NonceLifetime", 32),
        ("OauthClientid", ""),
        ("EndpointName", endpoint.name),
    ]


def aor(endpoint: Endpoint, contact: Contact | None) -> Fields:
    contacts = f"{endpoint.name}/{contact.uri}" if contact is not None else ""
    return [*named("aor", endpoint.name), *_AOR_HEAD, ("Contacts", contacts), *_AOR_TAIL]


def aor_detail(endpoint: Endpoint, contact: Contact | None) -> Fields:
    count = int(contact is not None)
    return [
        *aor(endpoint, contact),
        ("TotalContacts", count),
        ("ContactsRegistered", count),
        ("EndpointName", endpoint.name),
    ]


def contact_list(contact: Contact) -> Fields:
    endpoint = contact.endpoint
    return [
        *named("contact", contact.id),
        ("ViaAddr", "127.0.0.1"),
        ("QualifyTimeout", "3.000000"),
        ("Qualify2xxOnly", "false"),
        ("CallId", contact.call_id),
        ("RegServer", ""),
        ("PruneOnBoot", "no"),
        ("Path", ""),
        ("Endpoint", endpoint.name),
        ("ViaPort", endpoint.port),
        ("AuthenticateQualify", "no"),
        ("Uri", contact.uri),
        ("QualifyFrequency", QUALIFY_FREQUENCY),
        ("UserAgent", USER_AGENT),
        ("ExpirationTime", contact.expiration),
        ("OutboundProxy", ""),
        ("Status", contact.status),
        ("RoundtripUsec", contact.rtt_usec),
    ]


def contact_status_detail(contact: Contact) -> Fields:
    endpoint = contact.endpoint
    return [
        ("AOR", endpoint.name),
        ("URI", contact.uri),
        ("UserAgent", USER_AGENT),
        ("RegExpire", contact.expiration),
        ("ViaAddress", f"127.0.0.1:{endpoint.port}"),
        ("CallID", contact.call_id),
        ("Status", contact.status),
        ("RoundtripUsec", contact.rtt_usec),
        ("EndpointName", endpoint.name),
        ("ID", contact.id),
        ("AuthenticateQualify", 0),
        ("OutboundProxy", ""),
        ("Path", ""),
        ("QualifyFrequency", QUALIFY_FREQUENCY),
        ("QualifyTimeout", "3.000"),
        ("Qualify2xxOnly", 0),
    ]
