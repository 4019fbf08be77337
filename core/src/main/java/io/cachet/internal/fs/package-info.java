/**
 * The file-system operations whose failure or timing matters to correctness, behind one seam that
 * tests replace to inject faults and crash points. Door: {@link io.cachet.internal.fs.Disk}.
 */
@NullMarked
package io.cachet.internal.fs;

import org.jspecify.annotations.NullMarked;
