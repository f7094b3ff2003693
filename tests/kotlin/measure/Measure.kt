package app.carnet.core.measure

import app.carnet.core.Vault

/**
 * The Kotlin side of the bindings' overhead measurement (scripts/ffi-measure.sh): opening
 * the 10,000-record vault made by bindings/examples/measure.rs and listing its 1,000-record
 * profile, through the generated bindings, timed as the Rust side times the same calls.
 */
fun main(args: Array<String>) {
    val path = args[0] + "/measure.carnet"
    val passphrase = "measurement vault, invented data" // a throwaway vault of invented records
    // Warm up the JVM and JNA (class loading, JIT) as a running app would be.
    Vault.unlockWithPassphrase(path, passphrase).use { vault ->
        val id = vault.findProfile("Liste").id
        repeat(5) { vault.records(id) }
    }
    val open = (1..5).map {
        val start = System.nanoTime()
        Vault.unlockWithPassphrase(path, passphrase).use { vault ->
            check(vault.profiles().size == 2)
            (System.nanoTime() - start) / 1e6
        }
    }
    val list = Vault.unlockWithPassphrase(path, passphrase).use { vault ->
        val id = vault.findProfile("Liste").id
        (1..15).map {
            val start = System.nanoTime()
            val records = vault.records(id)
            val ms = (System.nanoTime() - start) / 1e6
            check(records.size == 1000)
            ms
        }
    }
    println("kotlin open_ms=%.1f list_1000_ms=%.1f".format(open.sorted()[open.size / 2], list.sorted()[list.size / 2]))
}
