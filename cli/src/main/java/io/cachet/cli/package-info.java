/**
 * The {@code cachet} command: fetch, fetch-all, ls, verify, gc and demo on Cachet's public API,
 * with exit codes, JSON output and progress bars for scripts and people.
 */
@NullMarked
package io.cachet.cli;

import org.jspecify.annotations.NullMarked;
