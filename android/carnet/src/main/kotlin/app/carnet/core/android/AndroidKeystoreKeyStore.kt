package app.carnet.core.android

import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyPermanentlyInvalidatedException
import android.security.keystore.KeyProperties
import android.security.keystore.StrongBoxUnavailableException
import android.security.keystore.UserNotAuthenticatedException
import app.carnet.core.CarnetException
import app.carnet.core.PlatformKeyStore
import java.security.GeneralSecurityException
import java.security.KeyStore
import javax.crypto.AEADBadTagException
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * Carnet's [PlatformKeyStore] on Android: the vault key is wrapped with an AES-256-GCM key
 * generated inside the Android Keystore (in StrongBox when the device has it, otherwise the
 * TEE). The Keystore key is non-exportable: its bytes never reach this process; only
 * encrypt and decrypt operations do.
 *
 * Wrapped form: 12-byte IV chosen by the Keystore, then ciphertext and 16-byte tag.
 *
 * With [requireUserAuthentication], the key is usable only for [authenticationValiditySeconds]
 * after the user authenticated (strong biometric or device credential); the app shows
 * `BiometricPrompt` and retries when unwrapping throws [CarnetException.KeyStoreCancelled].
 * A new fingerprint enrolment or removing the screen lock invalidates the key: unwrapping then
 * throws [CarnetException.KeyStoreUnavailable] and the app falls back to the passphrase, then
 * calls `Vault.addPlatformKeySlot` again with a fresh key store.
 *
 * Like every PlatformKeyStore, it must not call back into the vault.
 */
class AndroidKeystoreKeyStore(
    private val alias: String = "app.carnet.vault-key",
    private val requireUserAuthentication: Boolean = false,
    private val authenticationValiditySeconds: Int = 30,
    private val preferStrongBox: Boolean = true,
) : PlatformKeyStore {

    override fun wrapKey(key: ByteArray): ByteArray = guarded {
        try {
            val cipher = Cipher.getInstance(TRANSFORMATION)
            cipher.init(Cipher.ENCRYPT_MODE, keystoreKey(create = true))
            cipher.iv + cipher.doFinal(key)
        } finally {
            key.fill(0)
        }
    }

    override fun unwrapKey(wrapped: ByteArray): ByteArray = guarded {
        if (wrapped.size < IV_BYTES + TAG_BYTES) {
            throw CarnetException.KeyStoreFailed("wrapped key too short")
        }
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(
            Cipher.DECRYPT_MODE,
            keystoreKey(create = false),
            GCMParameterSpec(TAG_BYTES * 8, wrapped, 0, IV_BYTES),
        )
        cipher.doFinal(wrapped, IV_BYTES, wrapped.size - IV_BYTES)
    }

    /** Deletes the Keystore key (when the patient turns biometric unlock off). */
    fun delete() {
        KeyStore.getInstance(ANDROID_KEYSTORE).apply { load(null) }.deleteEntry(alias)
    }

    private fun keystoreKey(create: Boolean): SecretKey {
        val keyStore = KeyStore.getInstance(ANDROID_KEYSTORE).apply { load(null) }
        (keyStore.getKey(alias, null) as? SecretKey)?.let { return it }
        if (!create) throw CarnetException.KeyStoreUnavailable("no key in the Android Keystore")
        return try {
            generate(strongBox = preferStrongBox && Build.VERSION.SDK_INT >= Build.VERSION_CODES.P)
        } catch (e: StrongBoxUnavailableException) {
            generate(strongBox = false)
        }
    }

    private fun generate(strongBox: Boolean): SecretKey {
        val spec = KeyGenParameterSpec.Builder(
            alias,
            KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT,
        )
            .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
            .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
            .setKeySize(256)
            .setRandomizedEncryptionRequired(true)
            .apply {
                if (strongBox && Build.VERSION.SDK_INT >= Build.VERSION_CODES.P) setIsStrongBoxBacked(true)
                if (requireUserAuthentication) {
                    setUserAuthenticationRequired(true)
                    setInvalidatedByBiometricEnrollment(true)
                    if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.R) {
                        setUserAuthenticationParameters(
                            authenticationValiditySeconds,
                            KeyProperties.AUTH_BIOMETRIC_STRONG or KeyProperties.AUTH_DEVICE_CREDENTIAL,
                        )
                    } else {
                        @Suppress("DEPRECATION")
                        setUserAuthenticationValidityDurationSeconds(authenticationValiditySeconds)
                    }
                }
            }
            .build()
        return KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, ANDROID_KEYSTORE)
            .apply { init(spec) }
            .generateKey()
    }

    /** Maps Keystore failures to the key store errors the vault understands; no key bytes in them. */
    private inline fun guarded(block: () -> ByteArray): ByteArray = try {
        block()
    } catch (e: CarnetException) {
        throw e
    } catch (e: UserNotAuthenticatedException) {
        throw CarnetException.KeyStoreCancelled("the user must authenticate first")
    } catch (e: KeyPermanentlyInvalidatedException) {
        throw CarnetException.KeyStoreUnavailable("the Keystore key was invalidated")
    } catch (e: AEADBadTagException) {
        throw CarnetException.KeyStoreFailed("this Keystore key did not wrap that key")
    } catch (e: GeneralSecurityException) {
        throw CarnetException.KeyStoreFailed("Android Keystore: ${e.javaClass.simpleName}")
    }

    private companion object {
        const val ANDROID_KEYSTORE = "AndroidKeyStore"
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val IV_BYTES = 12
        const val TAG_BYTES = 16
    }
}
