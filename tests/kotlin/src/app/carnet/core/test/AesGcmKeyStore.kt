package app.carnet.core.test

import app.carnet.core.CarnetException
import app.carnet.core.PlatformKeyStore
import java.util.concurrent.atomic.AtomicInteger
import javax.crypto.AEADBadTagException
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * A PlatformKeyStore as an app writes one, on the JVM: AES-256-GCM through javax.crypto with
 * a key held in memory (Android's AndroidKeystoreKeyStore does the same with a key that never
 * leaves the Keystore). Wrapped form: 12-byte IV, then ciphertext and tag.
 */
class AesGcmKeyStore(
    private val key: SecretKey = KeyGenerator.getInstance("AES").apply { init(256) }.generateKey(),
) : PlatformKeyStore {
    /** How many times the vault called in (a test checks the key store is really used). */
    val calls = AtomicInteger()

    override fun wrapKey(key: ByteArray): ByteArray {
        calls.incrementAndGet()
        try {
            val cipher = Cipher.getInstance("AES/GCM/NoPadding")
            cipher.init(Cipher.ENCRYPT_MODE, this.key)
            return cipher.iv + cipher.doFinal(key)
        } finally {
            key.fill(0)
        }
    }

    override fun unwrapKey(wrapped: ByteArray): ByteArray {
        calls.incrementAndGet()
        if (wrapped.size < IV_BYTES + TAG_BYTES) {
            throw CarnetException.KeyStoreFailed("wrapped key too short")
        }
        val cipher = Cipher.getInstance("AES/GCM/NoPadding")
        cipher.init(Cipher.DECRYPT_MODE, key, GCMParameterSpec(TAG_BYTES * 8, wrapped, 0, IV_BYTES))
        try {
            return cipher.doFinal(wrapped, IV_BYTES, wrapped.size - IV_BYTES)
        } catch (e: AEADBadTagException) {
            throw CarnetException.KeyStoreFailed("this key store did not wrap that key")
        }
    }

    private companion object {
        const val IV_BYTES = 12
        const val TAG_BYTES = 16
    }
}

/** A key store whose user dismisses the biometric prompt. */
class CancellingKeyStore : PlatformKeyStore {
    override fun wrapKey(key: ByteArray): ByteArray = throw CarnetException.KeyStoreCancelled("cancelled")
    override fun unwrapKey(wrapped: ByteArray): ByteArray = throw CarnetException.KeyStoreCancelled("cancelled")
}

/** A key store with no hardware key. */
class UnavailableKeyStore : PlatformKeyStore {
    override fun wrapKey(key: ByteArray): ByteArray = throw CarnetException.KeyStoreUnavailable("no key")
    override fun unwrapKey(wrapped: ByteArray): ByteArray = throw CarnetException.KeyStoreUnavailable("no key")
}

/** A key store that "unwraps" to some other 32 bytes (a key replaced behind the app's back). */
class WrongKeyStore : PlatformKeyStore {
    override fun wrapKey(key: ByteArray): ByteArray = ByteArray(48) { 1 }
    override fun unwrapKey(wrapped: ByteArray): ByteArray = ByteArray(32) { 7 }
}

/** A buggy key store that throws something that is not a CarnetException. */
class BrokenKeyStore : PlatformKeyStore {
    override fun wrapKey(key: ByteArray): ByteArray = throw IllegalStateException("bug in the app")
    override fun unwrapKey(wrapped: ByteArray): ByteArray = throw IllegalStateException("bug in the app")
}
