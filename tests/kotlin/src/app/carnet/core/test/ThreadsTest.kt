package app.carnet.core.test

import app.carnet.core.*
import app.carnet.core.model.*
import org.junit.Assert.*
import org.junit.Rule
import org.junit.Test
import org.junit.rules.TemporaryFolder
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit

/** One vault driven from several threads at once, as an app's UI, sync and camera do. */
class ThreadsTest {
    @get:Rule
    val tmp = TemporaryFolder()

    @Test
    fun oneVaultFromEightThreads() {
        val (created, _) = Fixtures.create(tmp.root)
        created.vault.use { vault ->
            val owner = vault.addProfile(Fixtures.owner())
            val threads = 8
            val perThread = 25
            val pool = Executors.newFixedThreadPool(threads)
            val start = CountDownLatch(1)
            val futures = (0 until threads).map { t ->
                pool.submit<Int> {
                    start.await()
                    var seen = 0
                    for (i in 0 until perThread) {
                        val record = when (i % 3) {
                            0 -> Fixtures.prescription(owner.id, "Médicament-$t-$i")
                            1 -> Fixtures.lab(owner.id, "2026-0${1 + i % 9}-01", 5.0 + i / 10.0)
                            else -> Fixtures.letter(owner.id, "2026-10-01", words = 20, seed = t * 100 + i)
                        }
                        val added = vault.addRecord(record)
                        assertEquals(added, vault.record(added.id))
                        seen = maxOf(seen, vault.records(owner.id).size)
                        if (i % 5 == 0) vault.search("médicament-$t", owner.id)
                        if (i % 7 == 0) vault.summary(owner.id)
                    }
                    seen
                }
            }
            start.countDown()
            val seen = futures.map { it.get(120, TimeUnit.SECONDS) }
            pool.shutdown()
            assertEquals(threads * perThread, vault.records(owner.id).size)
            assertTrue(seen.all { it in perThread..threads * perThread })
            // Every thread's own prescriptions are found by search.
            for (t in 0 until threads) {
                assertEquals((0 until perThread).count { it % 3 == 0 }, vault.search("medicament-$t-", owner.id).size)
            }
            assertEquals(threads * perThread, vault.auditLog().count { it.action is AuditAction.RecordAdded })
        }
    }

    @Test
    fun lockWhileOtherThreadsRead() {
        val (created, _) = Fixtures.create(tmp.root)
        val vault = created.vault
        val owner = vault.addProfile(Fixtures.owner())
        vault.addRecord(Fixtures.allergy(owner.id))
        val pool = Executors.newFixedThreadPool(4)
        val futures = (0 until 4).map {
            pool.submit<Pair<Int, Int>> {
                var ok = 0
                var locked = 0
                repeat(200) {
                    try {
                        vault.records(owner.id); ok++
                    } catch (e: CarnetException.VaultLocked) {
                        locked++
                    }
                }
                ok to locked
            }
        }
        Thread.sleep(5)
        vault.lock()
        val results = futures.map { it.get(60, TimeUnit.SECONDS) }
        pool.shutdown()
        // Every call either completed or was refused as locked: nothing else, no crash.
        assertEquals(800, results.sumOf { it.first + it.second })
        assertTrue(vault.isLocked())
        vault.close()
    }
}
