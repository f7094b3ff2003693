import CryptoKit
import Foundation
import LocalAuthentication
import Security

/// Carnet's `PlatformKeyStore` on iOS.
///
/// - On a device with a Secure Enclave, the vault key is wrapped with a P-256 key generated in
///   the Secure Enclave (never exportable, never backed up), by ECIES
///   (`eciesEncryptionCofactorVariableIVX963SHA256AESGCM`). The key is
///   `kSecAttrAccessibleWhenUnlockedThisDeviceOnly`; with `requireUserPresence`, each unwrap
///   asks for Face ID, Touch ID or the passcode.
/// - Without one (the simulator, old devices), a random 256-bit key in a Keychain item that is
///   `kSecAttrAccessibleWhenUnlockedThisDeviceOnly` wraps it with AES-GCM (CryptoKit).
///
/// Like every `PlatformKeyStore`, it must not call back into the vault.
public final class KeychainKeyStore: PlatformKeyStore, @unchecked Sendable {
    private let tag: String
    private let requireUserPresence: Bool
    private let useSecureEnclave: Bool

    public init(tag: String = "app.carnet.vault-key",
                requireUserPresence: Bool = false,
                useSecureEnclave: Bool = SecureEnclave.isAvailable) {
        self.tag = tag
        self.requireUserPresence = requireUserPresence
        self.useSecureEnclave = useSecureEnclave
    }

    public func wrapKey(key: Data) throws -> Data {
        if useSecureEnclave {
            let privateKey = try enclaveKey(create: true)
            guard let publicKey = SecKeyCopyPublicKey(privateKey) else {
                throw CarnetError.KeyStoreFailed(reason: "no public key for the Secure Enclave key")
            }
            var error: Unmanaged<CFError>?
            guard let wrapped = SecKeyCreateEncryptedData(publicKey, Self.algorithm, key as CFData, &error) else {
                throw CarnetError.KeyStoreFailed(reason: "Secure Enclave encryption failed")
            }
            return wrapped as Data
        } else {
            let sealed = try AES.GCM.seal(key, using: try keychainKey(create: true))
            guard let combined = sealed.combined else {
                throw CarnetError.KeyStoreFailed(reason: "AES-GCM produced no output")
            }
            return combined
        }
    }

    public func unwrapKey(wrapped: Data) throws -> Data {
        if useSecureEnclave {
            let privateKey = try enclaveKey(create: false)
            var error: Unmanaged<CFError>?
            guard let key = SecKeyCreateDecryptedData(privateKey, Self.algorithm, wrapped as CFData, &error) else {
                let code = (error?.takeRetainedValue()).map { CFErrorGetCode($0) } ?? 0
                if code == Int(errSecUserCanceled) || code == LAError.userCancel.rawValue {
                    throw CarnetError.KeyStoreCancelled(reason: "the user cancelled")
                }
                throw CarnetError.KeyStoreFailed(reason: "Secure Enclave decryption failed")
            }
            return key as Data
        } else {
            do {
                let box = try AES.GCM.SealedBox(combined: wrapped)
                return try AES.GCM.open(box, using: try keychainKey(create: false))
            } catch let error as CarnetError {
                throw error
            } catch {
                throw CarnetError.KeyStoreFailed(reason: "this Keychain key did not wrap that key")
            }
        }
    }

    /// Deletes the key (when the patient turns Face ID unlock off).
    public func delete() {
        SecItemDelete([kSecClass: kSecClassKey, kSecAttrApplicationTag: Data(tag.utf8)] as CFDictionary)
        SecItemDelete([kSecClass: kSecClassGenericPassword, kSecAttrService: tag] as CFDictionary)
    }

    private static let algorithm = SecKeyAlgorithm.eciesEncryptionCofactorVariableIVX963SHA256AESGCM

    private func enclaveKey(create: Bool) throws -> SecKey {
        let query: [CFString: Any] = [
            kSecClass: kSecClassKey,
            kSecAttrApplicationTag: Data(tag.utf8),
            kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom,
            kSecReturnRef: true,
        ]
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        if status == errSecSuccess, let item {
            return item as! SecKey // swiftlint:disable:this force_cast
        }
        guard create else {
            throw CarnetError.KeyStoreUnavailable(reason: "no Secure Enclave key")
        }
        var flags: SecAccessControlCreateFlags = [.privateKeyUsage]
        if requireUserPresence { flags.insert(.userPresence) }
        guard let access = SecAccessControlCreateWithFlags(
            nil, kSecAttrAccessibleWhenUnlockedThisDeviceOnly, flags, nil) else {
            throw CarnetError.KeyStoreFailed(reason: "access control")
        }
        let attributes: [CFString: Any] = [
            kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom,
            kSecAttrKeySizeInBits: 256,
            kSecAttrTokenID: kSecAttrTokenIDSecureEnclave,
            kSecPrivateKeyAttrs: [
                kSecAttrIsPermanent: true,
                kSecAttrApplicationTag: Data(tag.utf8),
                kSecAttrAccessControl: access,
            ] as [CFString: Any],
        ]
        var error: Unmanaged<CFError>?
        guard let key = SecKeyCreateRandomKey(attributes as CFDictionary, &error) else {
            throw CarnetError.KeyStoreUnavailable(reason: "the Secure Enclave refused to create a key")
        }
        return key
    }

    private func keychainKey(create: Bool) throws -> SymmetricKey {
        let query: [CFString: Any] = [
            kSecClass: kSecClassGenericPassword,
            kSecAttrService: tag,
            kSecReturnData: true,
        ]
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        if status == errSecSuccess, let data = item as? Data {
            return SymmetricKey(data: data)
        }
        guard create else {
            throw CarnetError.KeyStoreUnavailable(reason: "no key in the Keychain")
        }
        let key = SymmetricKey(size: .bits256)
        var add: [CFString: Any] = [
            kSecClass: kSecClassGenericPassword,
            kSecAttrService: tag,
            kSecValueData: key.withUnsafeBytes { Data($0) },
            kSecAttrSynchronizable: false,
        ]
        if requireUserPresence,
           let access = SecAccessControlCreateWithFlags(
               nil, kSecAttrAccessibleWhenUnlockedThisDeviceOnly, .userPresence, nil) {
            add[kSecAttrAccessControl] = access
        } else {
            add[kSecAttrAccessible] = kSecAttrAccessibleWhenUnlockedThisDeviceOnly
        }
        guard SecItemAdd(add as CFDictionary, nil) == errSecSuccess else {
            throw CarnetError.KeyStoreFailed(reason: "could not store the Keychain key")
        }
        return key
    }
}
