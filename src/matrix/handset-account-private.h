/* handset-account-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What handset-account.c (the session kept), handset-account-restore.c
 * (restoring it) and handset-account-login.c (logging in and out) share.
 */
#pragma once

#include "handset-account.h"

G_BEGIN_DECLS

#define KEY_HOMESERVER "session.homeserver"
#define KEY_USER_ID    "session.user_id"
#define KEY_DEVICE_ID  "session.device_id"

struct _HandsetAccount
{
  GObject parent_instance;

  HandsetProfile *profile;
  HandsetStore *store;
  HandsetSecretStore *secrets;
  HandsetMatrixClient *client;
  HandsetSync *sync;
  HandsetAccountState state;
  char *user_id;
  char *homeserver;
  char *message;
  gboolean remembered;
  gboolean keyring_locked;  /* the session is, or would be, in a locked keyring */
  guint restore_generation; /* only the latest restore may finish one */
  /* The session the store named when a login here was written down. */
  char *replaced_homeserver;
  char *replaced_user_id;
  char *replaced_device_id;
  char *replaced_position;
};

void handset_account_set_state (HandsetAccount *self, HandsetAccountState state);
void handset_account_set_message (HandsetAccount *self, const char *message);
void handset_account_set_remembered (HandsetAccount *self, gboolean remembered);
void handset_account_set_keyring_locked (HandsetAccount *self, gboolean locked);
void
handset_account_set_identity (HandsetAccount *self, const char *homeserver, const char *user_id);
void handset_account_use_client (HandsetAccount *self, HandsetMatrixClient *client);

G_END_DECLS
