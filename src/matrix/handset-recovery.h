/* handset-recovery.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "handset-encryption.h"
#include "handset-matrix-client.h"

G_BEGIN_DECLS

/**
 * HandsetRecoveryState:
 * @HANDSET_RECOVERY_STATE_UNKNOWN: not known yet (not asked, or the server
 *   did not answer)
 * @HANDSET_RECOVERY_STATE_NO_CROSS_SIGNING: the account has no
 *   cross-signing keys: it can be set up from here
 * @HANDSET_RECOVERY_STATE_NOT_VERIFIED: the account has them, and this
 *   device is not signed by them: the recovery key verifies it
 * @HANDSET_RECOVERY_STATE_VERIFIED: this device is cross-signed
 */
typedef enum
{
  HANDSET_RECOVERY_STATE_UNKNOWN,
  HANDSET_RECOVERY_STATE_NO_CROSS_SIGNING,
  HANDSET_RECOVERY_STATE_NOT_VERIFIED,
  HANDSET_RECOVERY_STATE_VERIFIED,
} HandsetRecoveryState;

#define HANDSET_TYPE_RECOVERY (handset_recovery_get_type ())
G_DECLARE_FINAL_TYPE (HandsetRecovery, handset_recovery, HANDSET, RECOVERY, GObject)

HandsetRecovery *handset_recovery_new (HandsetMatrixClient *client, HandsetEncryption *encryption);

HandsetRecoveryState handset_recovery_get_state (HandsetRecovery *self);
gboolean handset_recovery_get_uses_passphrase (HandsetRecovery *self);

void handset_recovery_refresh_async (HandsetRecovery *self,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data);
gboolean
handset_recovery_refresh_finish (HandsetRecovery *self, GAsyncResult *result, GError **error);

void handset_recovery_verify_async (HandsetRecovery *self,
                                    const char *recovery_key,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
gboolean
handset_recovery_verify_finish (HandsetRecovery *self, GAsyncResult *result, GError **error);

void handset_recovery_set_up_async (HandsetRecovery *self,
                                    const char *password,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
char *handset_recovery_set_up_finish (HandsetRecovery *self, GAsyncResult *result, GError **error);

G_END_DECLS
