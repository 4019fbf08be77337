/** The S3 requests, answers and failures behind {@code S3Tier}; not API. */
@NullMarked
package io.cachet.s3.internal;

import org.jspecify.annotations.NullMarked;
