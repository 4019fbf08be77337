/** The log lines of a cache, written from its events: what an operator reads to follow downloads. */
package io.cachet.internal.log;
