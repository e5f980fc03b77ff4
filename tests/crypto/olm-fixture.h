/* olm-fixture.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the Olm wrapper tests (test-olm-*.c) share: the pickle keys, a
 * look at one key and its shape, the strings no wrapper may crash on, and
 * a message sent over an Olm session and checked on arrival.
 */
#pragma once

#include "handset-olm.h"

G_BEGIN_DECLS

/* The key pickles are made with, and one that differs in its last byte. */
extern const guint8 pickle_key[HANDSET_OLM_PICKLE_KEY_SIZE];
extern const guint8 wrong_pickle_key[HANDSET_OLM_PICKLE_KEY_SIZE];

/* Any one value of a key ID → key table, copied. */
char *any_key (GHashTable *keys);

/* A curve25519 or ed25519 key: 43 characters of unpadded base64. */
void assert_key_shape (const char *key);

/* Strings no wrapper may crash on. */
GPtrArray *hostile_strings (void);

/* Sends @text from @from to @to and checks it arrives. */
void assert_delivered (HandsetOlmSession *from,
                       HandsetOlmSession *to,
                       const char *text,
                       int expected_type);

G_END_DECLS
