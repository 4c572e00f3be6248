/*
 * What one synced RocksDB batch of a million records costs on this machine, with no
 * Swift and none of the engine: the floor under the write phase of
 * `marking-bench transfer`. It writes 1,000,000 puts of 20-byte sorted keys and
 * 36-byte values (a code record's sizes) into a freshly flushed memtable, three times,
 * with the codes family's memtable options, and prints the seconds of each write.
 *
 *   cc -O2 scripts/rocksdb-batch-floor.c -o /tmp/batch-floor -lrocksdb && /tmp/batch-floor /tmp/batch-floor-db
 *
 * `perf record` over it shows where Debian bookworm's librocksdb 7.8.3 spends the time:
 * it is built with assertions and sync points (`SyncPoint::Data::Process` runs on the
 * write path), and every key comparison of the skiplist insert reaches thread-local
 * state through `__tls_get_addr`.
 */
#include <rocksdb/c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return time.tv_sec + time.tv_nsec / 1e9;
}

static void check(char *error) {
    if (error) {
        fprintf(stderr, "error: %s\n", error);
        exit(1);
    }
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s NEW-DATABASE-FOLDER\n", argv[0]);
        return 2;
    }
    enum { count = 1000000, rounds = 3 };
    char *error = NULL;
    rocksdb_options_t *options = rocksdb_options_create();
    rocksdb_options_set_create_if_missing(options, 1);
    rocksdb_options_set_error_if_exists(options, 1);
    rocksdb_options_set_write_buffer_size(options, 256 << 20);
    rocksdb_options_set_max_write_buffer_number(options, 4);
    rocksdb_options_set_enable_pipelined_write(options, 1);
    rocksdb_options_set_memtable_prefix_bloom_size_ratio(options, 0.05);
    rocksdb_options_set_memtable_whole_key_filtering(options, 1);
    rocksdb_t *db = rocksdb_open(options, argv[1], &error);
    check(error);
    rocksdb_writeoptions_t *synced = rocksdb_writeoptions_create();
    rocksdb_writeoptions_set_sync(synced, 1);
    rocksdb_flushoptions_t *flush = rocksdb_flushoptions_create();
    rocksdb_flushoptions_set_wait(flush, 1);
    char key[20], value[36];
    memset(value, 7, sizeof value);
    for (int round = 0; round < rounds; round++) {
        rocksdb_writebatch_t *batch = rocksdb_writebatch_create();
        for (int index = 0; index < count; index++) {
            unsigned long long counter = (unsigned long long)index * rounds + round;
            memset(key, 0, sizeof key);
            key[0] = 4;   /* a GTIN's first byte */
            key[8] = 13;  /* serial length */
            for (int byte = 0; byte < 8; byte++) key[19 - byte] = (char)(counter >> (8 * byte));
            rocksdb_writebatch_put(batch, key, sizeof key, value, sizeof value);
        }
        rocksdb_flush(db, flush, &error);
        check(error);
        double started = now();
        rocksdb_write(db, synced, batch, &error);
        check(error);
        printf("synced batch of %d records: %.3f s\n", count, now() - started);
        rocksdb_writebatch_destroy(batch);
    }
    rocksdb_close(db);
    return 0;
}
