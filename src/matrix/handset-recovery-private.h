/* handset-recovery-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The inside of HandsetRecovery, shared by its files: handset-recovery.c
 * (the object, its state, the steps the others are made of, the refresh),
 * handset-recovery-verify.c (this device verified with the recovery key
 * or passphrase) and handset-recovery-set-up.c (cross-signing and Secret
 * Storage set up for an account without them).
 */
#pragma once

#include "handset-recovery.h"
#include "handset-signing-keys.h"

G_BEGIN_DECLS

#define SECRET_STORAGE_ALGORITHM "m.secret_storage.v1.aes-hmac-sha2"
#define DEFAULT_KEY_TYPE         "m.secret_storage.default_key"

struct _HandsetRecovery
{
  GObject parent_instance;

  HandsetMatrixClient *client;
  HandsetEncryption *encryption;
  HandsetRecoveryState state;
  gboolean uses_passphrase;
  /* Keys made by a set-up whose upload went through but whose Secret
   * Storage did not: the next attempt stores these, not new ones. */
  HandsetSigningKeys *uploaded_keys;
};

/* One verification or set-up, step by step. */
typedef struct
{
  guint step;
  char *input; /* the recovery key or passphrase */
  char *password;
  char *key_id;
  JsonObject *description;
  guint8 *key; /* the Secret Storage key */
  HandsetSigningKeys *keys;
  guint n_pending;
  gboolean from_passphrase; /* the key was derived from what was typed */
} Job;

/* A step: it goes on with the task, or finishes it. */
typedef void (*StepFunc) (GTask *task);

void handset_recovery_job_free (Job *job);

void handset_recovery_query_own_keys (GTask *task, StepFunc next);
void handset_recovery_get_account_data (GTask *task, const char *type, StepFunc next);
JsonObject *handset_recovery_task_content (GTask *task);
void handset_recovery_read_default_key (GTask *task, StepFunc next);
void handset_recovery_sign_this_device (GTask *task, StepFunc next);

G_END_DECLS
