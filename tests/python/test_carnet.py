"""The Python face of Carnet, used as a script would: the same ground as the Kotlin tests.

Run by scripts/ffi-tests.sh with PYTHONPATH pointing at the generated package `carnet`.
Prints one line per test and `N passed, N failed` last; exits non-zero on any failure.
No key, passphrase or health data is printed: a failure prints the test name, the exception
type and the line.
"""

import hashlib
import hmac
import os
import random
import secrets
import sys
import tempfile
import threading
import time
import traceback

import carnet

PASSPHRASE = "correct horse battery staple"  # test-only; never printed


class HmacKeyStore(carnet.PlatformKeyStore):
    """A PlatformKeyStore in Python (standard library only): the key is XORed with a keystream
    from HMAC-SHA256 under a random nonce and authenticated with HMAC. A stand-in for a
    hardware key store, good enough to prove the callback path; not a production design."""

    def __init__(self):
        self._key = secrets.token_bytes(32)
        self.calls = 0

    def _stream(self, nonce, n):
        return hmac.new(self._key, b"stream" + nonce, hashlib.sha256).digest()[:n]

    def wrap_key(self, key):
        self.calls += 1
        nonce = secrets.token_bytes(16)
        body = bytes(a ^ b for a, b in zip(key, self._stream(nonce, len(key))))
        tag = hmac.new(self._key, b"tag" + nonce + body, hashlib.sha256).digest()
        return nonce + body + tag

    def unwrap_key(self, wrapped):
        self.calls += 1
        nonce, body, tag = wrapped[:16], wrapped[16:-32], wrapped[-32:]
        expected = hmac.new(self._key, b"tag" + nonce + body, hashlib.sha256).digest()
        if not hmac.compare_digest(tag, expected):
            raise carnet.CarnetError.KeyStoreFailed("this key store did not wrap that key")
        return bytes(a ^ b for a, b in zip(body, self._stream(nonce, len(body))))


class CancellingKeyStore(carnet.PlatformKeyStore):
    def wrap_key(self, key):
        raise carnet.CarnetError.KeyStoreCancelled("cancelled")

    def unwrap_key(self, wrapped):
        raise carnet.CarnetError.KeyStoreCancelled("cancelled")


class BrokenKeyStore(carnet.PlatformKeyStore):
    def wrap_key(self, key):
        raise RuntimeError("bug in the app")

    def unwrap_key(self, wrapped):
        raise RuntimeError("bug in the app")


def owner():
    return carnet.NewProfile(
        display_name="Camille Martin",
        birth_date="1966-03-14",
        relationship=carnet.Relationship.OWNER,
        blood_group=carnet.BloodGroup.A_POS,
    )


def prescription(profile_id, drug, date="2026-09-01", strength="1000 mg"):
    return carnet.NewRecord(
        profile_id=profile_id,
        provenance=carnet.Provenance.PATIENT_ENTERED(),
        body=carnet.RecordBody.PRESCRIPTION(
            carnet.Prescription(
                prescriber=carnet.Prescriber(name="Dr Leroy"),
                date=date,
                medications=[
                    carnet.Medication(
                        name=drug,
                        strength=strength,
                        instructions="1 comprimé matin et soir",
                        duration=carnet.MedicationDuration.DAYS(90),
                        renewals=3,
                    )
                ],
            )
        ),
    )


def lab(profile_id, date, value):
    return carnet.NewRecord(
        profile_id=profile_id,
        provenance=carnet.Provenance.PATIENT_ENTERED(),
        body=carnet.RecordBody.LAB_REPORT(
            carnet.LabReport(
                laboratory="Laboratoire Bioclinic",
                collection_date=date,
                results=[
                    carnet.LabResult(
                        analyte="Hémoglobine glyquée (HbA1c)",
                        loinc="4548-4",
                        value=carnet.LabValue.NUMERIC(value),
                        unit="%",
                        abnormal=value > 6.0,
                    )
                ],
            )
        ),
    )


def allergy(profile_id):
    return carnet.NewRecord(
        profile_id=profile_id,
        provenance=carnet.Provenance.PATIENT_ENTERED(),
        body=carnet.RecordBody.ALLERGY(
            carnet.Allergy(substance="Arachide", severity=carnet.AllergySeverity.SEVERE)
        ),
    )


def letter(profile_id, date, words, seed):
    rng = random.Random(seed)
    vocabulary = ["tension", "stable", "bisoprolol", "échographie", "kaliémie", "holter"]
    text = " ".join(rng.choice(vocabulary) + str(rng.randrange(1000)) for _ in range(words))
    return carnet.NewRecord(
        profile_id=profile_id,
        provenance=carnet.Provenance.PATIENT_ENTERED(),
        body=carnet.RecordBody.LETTER(
            carnet.Letter(
                author="Dr Benali", specialty="Cardiologie", date=date,
                subject="Consultation de suivi", body=text,
            )
        ),
    )


def expect(error_class, fn):
    try:
        fn()
    except error_class as e:
        for secret in (PASSPHRASE, "Camille", "Metformine", "Arachide", "Bisoprolol"):
            assert secret not in str(e), f"{error_class.__name__} leaks"
        return e
    except Exception as e:  # noqa: BLE001
        raise AssertionError(f"expected {error_class.__name__}, got {type(e).__name__}") from None
    raise AssertionError(f"expected {error_class.__name__}, nothing raised")


def new_vault(tmp, name="vault.carnet"):
    path = os.path.join(tmp, name)
    return carnet.create_vault(path, PASSPHRASE), path


# ---- tests ------------------------------------------------------------------------------


def test_key_store_create_then_unlock(tmp):
    store = HmacKeyStore()
    created, path = new_vault(tmp)
    vault = created.vault
    vault.add_profile(owner())
    vault.add_platform_key_slot(store)
    assert vault.key_slot_kinds() == ["passphrase", "platform", "recovery"]
    assert vault.is_recovery_key(created.recovery_key)
    vault.lock()
    assert vault.is_locked()
    again = carnet.Vault.unlock_with_key_store(path, store)
    assert [p.display_name for p in again.profiles()] == ["Camille Martin"]
    assert store.calls == 2
    del again
    carnet.Vault.unlock_with_recovery_key(path, created.recovery_key.lower())
    expect(carnet.CarnetError.KeyStoreFailed, lambda: carnet.Vault.unlock_with_key_store(path, HmacKeyStore()))


def test_profiles_records_search_summary(tmp):
    created, _ = new_vault(tmp)
    vault = created.vault
    me = vault.add_profile(owner())
    child = vault.add_profile(carnet.NewProfile(
        display_name="Léa Martin", birth_date="2019-05-02", relationship=carnet.Relationship.CHILD))
    assert [p.id for p in vault.profiles()] == [me.id, child.id]
    assert vault.find_profile("LEA MARTIN").id == child.id
    m = vault.add_record(prescription(me.id, "Bisoprolol", "2026-09-01", "5 mg"))
    vault.add_record(prescription(me.id, "bisoprolol", "2026-10-15", "2.5 mg"))
    vault.add_record(lab(me.id, "2026-03-01", 7.4))
    vault.add_record(lab(me.id, "2026-09-01", 6.9))
    vault.add_record(allergy(child.id))
    assert len(vault.records(me.id)) == 4
    assert len(vault.records(kind=carnet.RecordKind.LAB_REPORT)) == 2
    assert len(vault.search("hemoglobine")) == 2
    assert vault.search("bisoprolol", child.id) == []
    counts = {c.kind: c.count for c in vault.count_records(me.id)}
    assert counts == {carnet.RecordKind.PRESCRIPTION: 2, carnet.RecordKind.LAB_REPORT: 2}

    summary = vault.summary(me.id, "2026-11-01")
    assert [c.medication.strength for c in summary.current_medications] == ["2.5 mg"]
    assert summary.lab_trends[0].latest.value == carnet.LabValue.NUMERIC(6.9)
    assert summary.since_last_visit is None
    # Since the last visit: the dose change, and nothing else new.
    since = vault.summary(me.id, "2026-11-01", since="2026-10-01").since_last_visit
    assert since.since == "2026-10-01"
    [bisoprolol] = since.medications
    [event] = bisoprolol.events
    assert event.date == "2026-10-15"
    assert isinstance(event.change, carnet.MedicationChange.CHANGED)
    assert event.change.to == "2.5 mg"
    assert (since.labs_out_of_range, since.letters) == ([], [])
    assert vault.summary(me.id, "2026-11-01", since="2026-10-16").since_last_visit.medications == []
    # Vaccinations come with the summary.
    vault.add_record(carnet.NewRecord(
        profile_id=child.id, provenance=carnet.Provenance.PATIENT_ENTERED(),
        body=carnet.RecordBody.IMMUNISATION(
        carnet.Immunisation(vaccine="ROR", date="2020-05-06", dose="dose 1"))))
    [ror] = vault.summary(child.id, "2026-11-01").immunisations
    assert (ror.item.vaccine, ror.date) == ("ROR", "2020-05-06")

    body = m.body[0]
    new_body = carnet.RecordBody.PRESCRIPTION(carnet.Prescription(
        prescriber=body.prescriber, date=body.date, notes=None,
        medications=[carnet.Medication(name="Bisoprolol", strength="1.25 mg", instructions="1 le matin")]))
    vault.update_record(m.id, new_body)
    assert vault.record(m.id).body[0].medications[0].strength == "1.25 mg"
    vault.delete_record(m.id)
    expect(carnet.CarnetError.RecordNotFound, lambda: vault.record(m.id))
    actions = [e.action for e in vault.audit_log()]
    assert isinstance(actions[0], carnet.AuditAction.VAULT_CREATED)
    assert sum(isinstance(a, carnet.AuditAction.RECORD_DELETED) for a in actions) == 1


def test_attachment_stream(tmp):
    created, _ = new_vault(tmp)
    vault = created.vault
    me = vault.add_profile(owner())
    record = vault.add_record(carnet.NewRecord(
        profile_id=me.id, provenance=carnet.Provenance.PATIENT_ENTERED(),
        body=carnet.RecordBody.DOCUMENT(carnet.Document(title="IRM", date="2026-06-10", media_type="image/png"))))
    data = os.urandom(300_000)
    src = os.path.join(tmp, "scan.png")
    with open(src, "wb") as f:
        f.write(data)
    attachment = vault.attach_file(record.id, src, "image/png")
    assert attachment.size == len(data) and attachment.file_name == "scan.png"
    out = os.path.join(tmp, "copy.png")
    assert vault.export_attachment(attachment.id, out) == len(data)
    with open(out, "rb") as f:
        assert f.read() == data


def test_doctor_keyed_exchange(tmp):
    created, _ = new_vault(tmp)
    vault = created.vault
    me = vault.add_profile(owner())
    vault.add_record(prescription(me.id, "Metformine"))
    vault.add_record(allergy(me.id))
    doctor = carnet.DoctorSession(900)
    hello = doctor.hello_text()
    assert carnet.parse_hello(hello).fingerprint == doctor.fingerprint()
    prepared = vault.share_profile(me.id, carnet.ShareSelection(), hello, 1800, accept_unverified_doctor=True)
    assert prepared.mode == carnet.ShareMode.TO_HELLO(doctor.fingerprint())
    reader = carnet.ReaderSession([doctor])
    assert reader.push_text(prepared.codes[0]).complete
    pack = reader.result().pack
    assert pack.patient.name == "Camille Martin"
    assert [m.name for m in pack.medications] == ["Metformine"]
    assert carnet.qr_png(prepared.codes[0], 4)[:4] == b"\x89PNG"
    qr = carnet.qr_code(prepared.codes[0], 25)
    assert len(qr.dark) == qr.width * qr.width
    expect(carnet.CarnetError.WrongDevice, lambda: carnet.ReaderSession([carnet.DoctorSession(60)]).push_text(prepared.codes[0]))

    # Frames, in any order.
    for i in range(3):
        vault.add_record(letter(me.id, f"2026-10-0{i + 1}", 400, i))
    frames = vault.share_profile(me.id, carnet.ShareSelection(letter_text=True), hello, 600, accept_unverified_doctor=True).codes
    assert len(frames) > 1
    random.Random(3).shuffle(frames)
    reader = carnet.ReaderSession([doctor])
    progress = None
    for frame in frames:
        progress = reader.push_text(frame)
        if progress.complete:
            break
    assert progress.complete and len(reader.result().pack.letters) == 3
    page = carnet.printable_html(reader.result(), "en")
    assert "Metformine" in page


def test_every_failure_is_typed(tmp):
    created, path = new_vault(tmp)
    vault = created.vault
    me = vault.add_profile(owner())
    vault.add_record(allergy(me.id))
    E = carnet.CarnetError
    expect(E.WrongPassphrase, lambda: carnet.Vault.unlock_with_passphrase(path, "wrong but long enough"))
    expect(E.RecoveryKeyMistyped, lambda: carnet.Vault.unlock_with_recovery_key(path, "0000-0000"))
    expect(E.VaultNotFound, lambda: carnet.Vault.unlock_with_passphrase(os.path.join(tmp, "none"), PASSPHRASE))
    expect(E.AlreadyExists, lambda: carnet.create_vault(path, PASSPHRASE))
    expect(E.PassphraseTooShort, lambda: vault.change_passphrase("short"))
    expect(E.NoKeySlot, lambda: carnet.Vault.unlock_with_key_store(path, HmacKeyStore()))
    expect(E.KeyStoreCancelled, lambda: vault.add_platform_key_slot(CancellingKeyStore()))
    e = expect(E.Internal, lambda: vault.add_platform_key_slot(BrokenKeyStore()))
    assert "bug in the app" not in str(e)
    expect(E.ProfileNotFound, lambda: vault.find_profile("nobody"))
    expect(E.InvalidInput, lambda: carnet.validate_ins("123456789012345"))
    expect(E.InvalidInput, lambda: carnet.validate_date("14/03/1966"))
    expect(E.NotACarnetCode, lambda: carnet.ReaderSession([]).push_text("hello"))
    expect(E.NoCodeInImage, lambda: carnet.ReaderSession([]).push_image(b"\x00\x01"))
    expect(E.DoesNotFit, lambda: carnet.qr_code("A" * 2000, 1))
    card = vault.emergency_card(me.id)
    expect(E.Tampered, lambda: carnet.verify_emergency_card(card.replace("Arachide", "Arachidf")))
    vault.lock()
    expect(E.VaultLocked, lambda: vault.profiles())


def test_threads(tmp):
    created, _ = new_vault(tmp)
    vault = created.vault
    me = vault.add_profile(owner())
    errors = []

    def work(t):
        try:
            for i in range(20):
                vault.add_record(prescription(me.id, f"Médicament-{t}-{i}"))
                vault.records(me.id)
        except Exception as e:  # noqa: BLE001
            errors.append(type(e).__name__)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(vault.records(me.id)) == 120
    assert len(vault.search("medicament-3-")) == 20


# ---- practitioners: test PKI written by scripts/ffi-tests.sh (tests/src/bin/test_pki.rs) ----

ROOT = "AC RACINE IGC-SANTE TEST"
RPPS = "10101234564"


def pki(name):
    with open(os.path.join(os.environ["CARNET_TEST_PKI"], name), "rb") as f:
        return f.read()


class CountingSigner(carnet.Signer):
    """A Signer written in Python, standing for a platform key: it delegates to the software
    signer and counts what it signed."""

    def __init__(self, cert, key):
        self._inner = carnet.software_signer(pki(key), pki(cert))
        self.signatures = 0

    def certificate_chain(self):
        return self._inner.certificate_chain()

    def sign(self, message):
        self.signatures += 1
        return self._inner.sign(message)


def trust_store():
    store = carnet.TrustStore()
    store.add_certificates(pki("authorities.pem"))
    assert store.anchors() == [ROOT]
    return store


def camille():
    # As the cardiologist's device knows her: the record is bound to her.
    return carnet.Patient(name="MARTIN Camille", birth_date="1966-03-14")


def new_dose():
    return carnet.RecordBody.PRESCRIPTION(
        carnet.Prescription(
            prescriber=carnet.Prescriber(name="Dr Karim Benali", specialty="Cardiologie", rpps=RPPS),
            date="2026-11-20",
            medications=[
                carnet.Medication(
                    name="Bisoprolol",
                    strength="2,5 mg",
                    instructions="1 comprimé le matin",
                    duration=carnet.MedicationDuration.DAYS(90),
                )
            ],
        )
    )


def scan_signed(codes):
    scanner = carnet.SignedRecordScanner()
    for code in reversed(codes):
        progress = scanner.push_text(code)
    assert progress.complete
    return scanner.signed_record()


def test_verified_recipient_signed_record_and_receipt(tmp):
    trust = trust_store()
    doctor_key = CountingSigner("practitioner.pem", "practitioner.key.pem")
    created, _ = new_vault(tmp)
    vault = created.vault
    me = vault.add_profile(owner())
    vault.add_record(prescription(me.id, "Metformine"))

    # The doctor's hello says who it is; the patient checks it against the trust store.
    doctor = carnet.DoctorSession.signed(900, doctor_key)
    hello = carnet.parse_hello(doctor.hello_text(), trust)
    assert hello.practitioner.identity.rpps == RPPS and hello.practitioner.anchor == ROOT
    assert hello.recipient.endswith("verified by " + ROOT)
    assert carnet.parse_hello(doctor.hello_text()).practitioner is None
    code = vault.share_profile(me.id, carnet.ShareSelection(), doctor.hello_text(), 600, trust).codes[0]
    shared = [e.action for e in vault.audit_log() if isinstance(e.action, carnet.AuditAction.SHARED)]
    assert shared[0].practitioner == hello.recipient

    # The doctor reads the share and signs a receipt; the patient keeps it.
    reader = carnet.ReaderSession([doctor])
    assert reader.push_text(code).complete
    receipt = vault.keep_receipt(carnet.receipt_code(reader.result(), doctor_key), trust)
    assert receipt.verified and receipt.hello == doctor.fingerprint()
    assert vault.receipts() == [receipt]

    # The cardiologist's signed prescription, handed back by QR code, stored as verified.
    signed = scan_signed(carnet.issue_signed_record(new_dose(), camille(), doctor_key))
    assert doctor_key.signatures == 3  # hello, receipt, record
    check = carnet.check_signed_record(signed, trust)
    assert check.verified and check.body == new_dose()
    stored = vault.import_signed_record(me.id, signed, trust)
    assert stored.provenance.verified and stored.provenance.trust_anchor == ROOT
    assert not vault.reverify_record(stored.id, carnet.TrustStore()).provenance.verified

    E = carnet.CarnetError
    modified = bytearray(signed)
    at = modified.find(b"Bisoprolol")
    modified[at] = ord("C")
    expect(E.SignatureInvalid, lambda: vault.import_signed_record(me.id, bytes(modified), trust, True))
    stranger = scan_signed(carnet.issue_signed_record(new_dose(), camille(), CountingSigner("stranger.pem", "stranger.key.der")))
    expect(E.UnknownAuthority, lambda: vault.import_signed_record(me.id, stranger, trust))
    assert not vault.import_signed_record(me.id, stranger, trust, True).provenance.verified
    expired = carnet.software_signer(pki("expired.key.der"), pki("expired.pem"))
    late = scan_signed(carnet.issue_signed_record(new_dose(), camille(), expired))
    expect(E.CertificateExpired, lambda: vault.import_signed_record(me.id, late, trust))
    expect(E.CertificateRejected, lambda: carnet.TrustStore().add_certificates(pki("practitioner.pem")))
    expect(E.SignerFailed, lambda: carnet.software_signer(b"not a key", pki("practitioner.pem")))
    assert len(vault.records(me.id)) == 3  # Metformine, the verified and the unverified record


def test_backup_restore_and_merge(tmp):
    created, path = new_vault(tmp)
    vault = created.vault
    me = vault.add_profile(owner())
    vault.add_record(prescription(me.id, "Metformine"))
    vault.add_record(allergy(me.id))
    archive = os.path.join(tmp, "backup.carnet-backup")
    summary = vault.backup(archive, carnet.BackupKey.RECOVERY_KEY(created.recovery_key))
    assert (summary.profiles, summary.records) == (1, 2)

    restored = carnet.restore_backup(
        archive, carnet.BackupKey.RECOVERY_KEY(created.recovery_key), os.path.join(tmp, "new.carnet"), PASSPHRASE
    )
    assert restored.report.records_added == 2
    assert restored.vault.records() == vault.records()
    assert restored.recovery_key != created.recovery_key

    # A passphrase-protected handover merged twice: nothing duplicated.
    handover = os.path.join(tmp, "handover.carnet-backup")
    vault.backup(handover, carnet.BackupKey.PASSPHRASE("handover passphrase"), [me.id])
    other, _ = new_vault(tmp, "other.carnet")
    # Planned first: the patient sees what would come in, and nothing is written yet.
    plan = other.vault.plan_merge_backup(handover, carnet.BackupKey.PASSPHRASE("handover passphrase"))
    assert plan.records_added == 2
    assert [c.change for c in plan.changes] == [carnet.ChangeKind.ADDED] * 2
    assert other.vault.records() == []
    assert other.vault.merge_backup(handover, carnet.BackupKey.PASSPHRASE("handover passphrase")).records_added == 2
    again = other.vault.merge_backup(handover, carnet.BackupKey.PASSPHRASE("handover passphrase"))
    assert (again.records_added, again.records_skipped) == (0, 2)

    E = carnet.CarnetError
    expect(E.WrongBackupKey, lambda: other.vault.merge_backup(handover, carnet.BackupKey.PASSPHRASE("wrong passphrase")))
    expect(E.NotABackup, lambda: other.vault.merge_backup(path, carnet.BackupKey.PASSPHRASE("handover passphrase")))
    with open(handover, "rb") as f:
        data = f.read()
    damaged = os.path.join(tmp, "damaged")
    with open(damaged, "wb") as f:
        f.write(data[:-1])
    expect(E.BackupDamaged, lambda: other.vault.merge_backup(damaged, carnet.BackupKey.PASSPHRASE("handover passphrase")))
    expect(E.PassphraseTooShort, lambda: vault.backup(os.path.join(tmp, "b"), carnet.BackupKey.PASSPHRASE("short")))
    assert len(other.vault.records()) == 2

    sheet = vault.recovery_sheet(created.recovery_key, "the blue USB key")
    assert "the blue USB key" in sheet and "Metformine" not in sheet
    expect(E.WrongRecoveryKey, lambda: vault.recovery_sheet(other.recovery_key, "x"))
    vault.erase()
    assert not os.path.exists(path)
    expect(E.VaultLocked, lambda: vault.profiles())


def test_fhir_summary_out_and_bundle_in(tmp):
    created, _ = new_vault(tmp)
    vault = created.vault
    me = vault.add_profile(owner())
    vault.add_record(prescription(me.id, "Metformine"))
    vault.add_record(lab(me.id, "2026-09-01", 6.9))
    vault.add_record(allergy(me.id))
    ips = vault.export_ips(me.id)
    assert '"resourceType": "Bundle"' in ips and "Metformine" in ips

    other, _ = new_vault(tmp, "other.carnet")
    them = other.vault.add_profile(owner())
    dry = other.vault.import_fhir(them.id, ips.encode(), "summary.json", dry_run=True)
    assert dry.records_added == 3 and not dry.stored
    assert other.vault.records(them.id) == []
    report = other.vault.import_fhir(them.id, ips.encode(), "summary.json")
    counts = {c.kind: c.count for c in report.items}
    assert counts == {carnet.ItemKind.MEDICATION: 1, carnet.ItemKind.ALLERGY: 1, carnet.ItemKind.LAB_RESULT: 1}
    assert report.records_added == 3 and report.skipped == []
    again = other.vault.import_fhir(them.id, ips.encode(), "summary.json")
    assert (again.records_added, again.records_unchanged) == (0, 3)
    lab_back = [r for r in other.vault.records(them.id) if isinstance(r.body, carnet.RecordBody.LAB_REPORT)]
    assert lab_back[0].body[0].results[0].value == carnet.LabValue.NUMERIC(6.9)

    expect(carnet.CarnetError.InvalidInput, lambda: other.vault.import_fhir(them.id, b'{"resourceType":"Patient"}', "x.json"))
    someone_else = ips.replace('"birthDate": "1966-03-14"', '"birthDate": "1970-01-01"')
    expect(carnet.CarnetError.OtherPatient, lambda: other.vault.import_fhir(them.id, someone_else.encode(), "x.json"))


def test_cda_lab_report_in(tmp):
    corpus = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "corpus", "cda")
    tsh = os.path.join(corpus, "BIO-CR-BIO_2024.01_TSH_1.xml")
    assert os.path.isfile(tsh), tsh + " is missing"
    created, _ = new_vault(tmp)
    vault = created.vault
    her = vault.add_profile(carnet.NewProfile(
        display_name="Patiente", birth_date="1979-03-28", relationship=carnet.Relationship.OWNER))
    report = vault.import_cda(her.id, tsh)
    assert {c.kind: c.count for c in report.items} == {carnet.ItemKind.LAB_RESULT: 2}
    record = vault.records(her.id)[0]
    assert record.attachments[0].media_type == "application/pdf"
    assert vault.import_cda(her.id, tsh).records_unchanged == 1
    vaccinations = vault.import_cda(her.id, os.path.join(corpus, "VAC_2023.01.xml"))
    assert {c.kind: c.count for c in vaccinations.items} == {carnet.ItemKind.IMMUNISATION: 4}
    someone = vault.add_profile(owner())
    expect(carnet.CarnetError.OtherPatient, lambda: vault.import_cda(someone.id, tsh))


PRINTED_INS = ("IS010000000000000000000000S1277010115400329S21.2.250.1.213.1.4.8\x1dS3SARAH-LOU ANNA"
               "\x1dS4GARCIA-HAMMADI\x1dS5FS621-01-1977S701154")


def test_ins_datamatrix(tmp):
    import zxingcpp
    import PIL.Image
    code = zxingcpp.create_barcode(PRINTED_INS, zxingcpp.BarcodeFormat.DataMatrix)
    img = zxingcpp.write_barcode_to_image(code, scale=4, add_quiet_zones=True)
    h, w = img.shape[:2]
    png = os.path.join(tmp, "ins.png")
    PIL.Image.frombytes("L", (w, h), bytes(memoryview(img))).save(png)
    with open(png, "rb") as f:
        identity = carnet.read_ins_datamatrix(f.read())
    assert identity.ins == "277010115400329" and identity.birth_name == "GARCIA-HAMMADI"
    assert identity.sex == carnet.Sex.FEMALE and identity.birth_place == "01154"
    assert carnet.parse_ins_datamatrix(PRINTED_INS.replace("\x1d", "<GS>")) == identity
    expect(carnet.CarnetError.InvalidInput, lambda: carnet.parse_ins_datamatrix(PRINTED_INS.replace("329S2", "328S2")))
    created, _ = new_vault(tmp)
    vault = created.vault
    other = vault.add_profile(owner())
    expect(carnet.CarnetError.OtherPatient, lambda: vault.set_ins_from_document(other.id, identity))
    her = vault.add_profile(carnet.NewProfile(
        display_name="Sarah", birth_date="1977-01-21", relationship=carnet.Relationship.CHILD))
    stored = vault.set_ins_from_document(her.id, identity)
    assert stored.ins == "277010115400329" and stored.ins_origin == carnet.InsOrigin.READ_FROM_DOCUMENT
    assert vault.profile(her.id).ins_origin == carnet.InsOrigin.READ_FROM_DOCUMENT


def main():
    tests = [(name, fn) for name, fn in sorted(globals().items()) if name.startswith("test_")]
    passed = failed = 0
    for name, fn in tests:
        with tempfile.TemporaryDirectory() as tmp:
            start = time.monotonic()
            try:
                fn(tmp)
                passed += 1
                print(f"ok    {name} ({time.monotonic() - start:.1f}s)")
            except Exception as e:  # noqa: BLE001
                failed += 1
                where = traceback.extract_tb(e.__traceback__)[-1]
                print(f"FAIL  {name}: {type(e).__name__} at line {where.lineno}: {e}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
