/* handset-application-trust.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * This device's trust: the recovery dialog offered after a login, and a
 * peer's device that withholds its keys.
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-application-private.h"
#include "handset-notification.h"
#include "handset-recovery-dialog.h"

void
handset_application_show_recovery_dialog (HandsetApplication *self)
{
  GtkWidget *dialog;

  if (self->session == NULL)
    return;
  dialog = handset_recovery_dialog_new (GTK_WINDOW (handset_application_ensure_window (self)),
                                        handset_session_get_recovery (self->session));
  gtk_window_set_application (GTK_WINDOW (dialog), GTK_APPLICATION (self));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* A device that will not share its keys with this one: what was sent from
 * it (a call, say) cannot be read here. Said once per sender and run. */
static void
keys_withheld_cb (HandsetEncryption *encryption,
                  const char *room_id,
                  const char *sender,
                  const char *code,
                  HandsetApplication *self)
{
  g_autoptr (GNotification) notification = NULL;
  g_autofree char *id = g_strconcat ("keys-withheld-", sender, NULL);
  g_autofree char *name = NULL;
  g_autofree char *body = NULL;

  if (self->session == NULL || g_object_get_data (G_OBJECT (self->session), id) != NULL)
    return;
  g_object_set_data (G_OBJECT (self->session), id, GINT_TO_POINTER (TRUE));
  name = handset_session_peer_name (self->session, sender);
  if (g_strcmp0 (code, "m.unverified") == 0)
    body = g_strdup_printf (_ ("%s's device shares its keys only with verified devices, and this "
                               "one is not: their calls cannot be received here. Verify this "
                               "device to receive them."),
                            name);
  else
    body = g_strdup_printf (_ ("%s's device does not share its keys with this device (%s): their "
                               "calls cannot be received here."),
                            name, code);
  g_message ("%s", body);
  notification = handset_notification_new (_ ("A call could not be received"), body);
  if (g_strcmp0 (code, "m.unverified") == 0)
    g_notification_add_button (notification, _ ("Verify This Device"), "app.verify-device");
  g_application_send_notification (G_APPLICATION (self), id, notification);
}

/* After a login, once it is known where this new device stands: offer to
 * verify it, or to set cross-signing up, as Element does. Once. */
static void
recovery_state_cb (HandsetRecovery *recovery, GParamSpec *pspec, HandsetApplication *self)
{
  HandsetRecoveryState state = handset_recovery_get_state (recovery);
  HandsetEncryption *encryption =
      self->session ? handset_session_get_encryption (self->session) : NULL;
  HandsetCryptoMachine *machine = encryption ? handset_encryption_get_machine (encryption) : NULL;

  g_debug ("This device's cross-signing state: %d", state);
  if (self->recovery_offered || machine == NULL || !handset_crypto_machine_is_new (machine))
    return;
  if (state != HANDSET_RECOVERY_STATE_NOT_VERIFIED &&
      state != HANDSET_RECOVERY_STATE_NO_CROSS_SIGNING)
    return;
  self->recovery_offered = TRUE;
  /* Only where a window is up: not for a start in the background. */
  if (handset_application_main_window (self) != NULL &&
      gtk_widget_get_visible (GTK_WIDGET (handset_application_main_window (self))))
    handset_application_show_recovery_dialog (self);
}

/* The device's standing in its account, for a new session: offered to be
 * verified after a login, and told when a peer withholds its keys. */
void
handset_application_watch_trust (HandsetApplication *self)
{
  self->recovery_offered = FALSE;
  g_signal_connect (handset_session_get_recovery (self->session), "notify::state",
                    G_CALLBACK (recovery_state_cb), self);
  g_signal_connect (handset_session_get_encryption (self->session), "keys-withheld",
                    G_CALLBACK (keys_withheld_cb), self);
}
