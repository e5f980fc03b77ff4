/* handset-recovery-dialog.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Verifying this device: with the account's recovery key where the account
 * has cross-signing, or by setting cross-signing up where it has none,
 * whose new recovery key is shown once, with Copy and an "I saved it"
 * confirmation before the dialog can close. Either can be skipped; the
 * preferences say that the device is not verified and offer it again.
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "handset-matrix-error.h"
#include "handset-recovery-dialog.h"

struct _HandsetRecoveryDialog
{
  AdwWindow parent_instance;

  HandsetRecovery *recovery;
  GCancellable *cancellable;

  GtkStack *stack;
  GtkWidget *verify_page;
  GtkWidget *key_row;
  GtkLabel *verify_error;
  GtkWidget *verify_button;
  GtkWidget *password_group;
  GtkWidget *password_row;
  GtkLabel *setup_error;
  GtkWidget *setup_button;
  GtkLabel *key_label;
  GtkWidget *saved_check;
  GtkWidget *done_button;
  GtkWidget *copy_button;
  GtkWidget *close_button;
  char *recovery_key;
};

G_DEFINE_FINAL_TYPE (HandsetRecoveryDialog, handset_recovery_dialog, ADW_TYPE_WINDOW)

static void
show_error (GtkLabel *label, const char *message)
{
  gtk_label_set_text (label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (label), message != NULL);
}

static void
show_page_for_state (HandsetRecoveryDialog *self)
{
  switch (handset_recovery_get_state (self->recovery))
    {
      case HANDSET_RECOVERY_STATE_NO_CROSS_SIGNING:
        gtk_stack_set_visible_child_name (self->stack, "set-up");
        gtk_window_set_title (GTK_WINDOW (self), _ ("Set Up Recovery"));
        break;
      case HANDSET_RECOVERY_STATE_NOT_VERIFIED:
        adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->key_row),
                                       handset_recovery_get_uses_passphrase (self->recovery)
                                           ? _ ("Recovery Key or Passphrase")
                                           : _ ("Recovery Key"));
        gtk_stack_set_visible_child_name (self->stack, "verify");
        gtk_window_set_title (GTK_WINDOW (self), _ ("Verify This Device"));
        gtk_widget_grab_focus (self->key_row);
        break;
      case HANDSET_RECOVERY_STATE_VERIFIED:
        gtk_stack_set_visible_child_name (self->stack, "verified");
        gtk_window_set_title (GTK_WINDOW (self), _ ("Device Verified"));
        /* Focus leaves the hidden entry for what can be pressed now. */
        gtk_widget_grab_focus (self->close_button);
        break;
      case HANDSET_RECOVERY_STATE_UNKNOWN:
      default:
        gtk_stack_set_visible_child_name (self->stack, "loading");
        break;
    }
}

static void
refreshed_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  HandsetRecoveryDialog *self;

  if (!handset_recovery_refresh_finish (HANDSET_RECOVERY (object), result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = HANDSET_RECOVERY_DIALOG (user_data);
  if (error != NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "failed");
      show_error (self->verify_error, error->message);
      g_object_set_data_full (G_OBJECT (self), "failure", g_strdup (error->message), g_free);
      return;
    }
  show_page_for_state (self);
}

/* ------------------------------------------------------------ verify */

static void
verified_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  HandsetRecoveryDialog *self;

  if (!handset_recovery_verify_finish (HANDSET_RECOVERY (object), result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = HANDSET_RECOVERY_DIALOG (user_data);
  gtk_widget_set_sensitive (self->verify_button, TRUE);
  gtk_editable_set_editable (GTK_EDITABLE (self->key_row), TRUE);
  if (error != NULL)
    {
      /* Try again: the key stays, to be corrected. */
      show_error (self->verify_error, error->message);
      gtk_widget_grab_focus (self->key_row);
      return;
    }
  show_error (self->verify_error, NULL);
  show_page_for_state (self);
}

static void
verify (HandsetRecoveryDialog *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->key_row));

  if (text == NULL || *text == '\0')
    {
      show_error (self->verify_error, _ ("Enter the recovery key first"));
      return;
    }
  show_error (self->verify_error, NULL);
  /* Not made insensitive: it may have the focus, and keeps it. */
  gtk_widget_set_sensitive (self->verify_button, FALSE);
  gtk_editable_set_editable (GTK_EDITABLE (self->key_row), FALSE);
  handset_recovery_verify_async (self->recovery, text, self->cancellable, verified_cb, self);
}

/* ------------------------------------------------------------ set up */

static void
set_up_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *key = NULL;
  HandsetRecoveryDialog *self;

  key = handset_recovery_set_up_finish (HANDSET_RECOVERY (object), result, &error);
  if (key == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = HANDSET_RECOVERY_DIALOG (user_data);
  gtk_widget_set_sensitive (self->setup_button, TRUE);
  if (key == NULL)
    {
      if (g_error_matches (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_AUTH_REQUIRED))
        {
          /* The homeserver wants the password: ask for it. */
          gtk_widget_set_visible (self->password_group, TRUE);
          gtk_widget_grab_focus (self->password_row);
        }
      show_error (self->setup_error, error->message);
      return;
    }
  show_error (self->setup_error, NULL);
  self->recovery_key = g_steal_pointer (&key);
  gtk_label_set_text (self->key_label, self->recovery_key);
  /* Shown once: the dialog stays until the person says it is saved. */
  gtk_window_set_deletable (GTK_WINDOW (self), FALSE);
  gtk_window_set_title (GTK_WINDOW (self), _ ("Save Your Recovery Key"));
  gtk_stack_set_visible_child_name (self->stack, "key");
  gtk_widget_grab_focus (self->copy_button);
}

static void
set_up (HandsetRecoveryDialog *self)
{
  const char *password = gtk_widget_get_visible (self->password_group)
                             ? gtk_editable_get_text (GTK_EDITABLE (self->password_row))
                             : NULL;

  show_error (self->setup_error, NULL);
  gtk_widget_set_sensitive (self->setup_button, FALSE);
  handset_recovery_set_up_async (self->recovery, password && *password ? password : NULL,
                                 self->cancellable, set_up_cb, self);
}

static void
copy_key (HandsetRecoveryDialog *self)
{
  if (self->recovery_key == NULL)
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), self->recovery_key);
}

static void
saved_toggled (HandsetRecoveryDialog *self)
{
  gtk_widget_set_sensitive (self->done_button,
                            gtk_check_button_get_active (GTK_CHECK_BUTTON (self->saved_check)));
}

static void
done (HandsetRecoveryDialog *self)
{
  if (!gtk_check_button_get_active (GTK_CHECK_BUTTON (self->saved_check)))
    return;
  gtk_window_set_deletable (GTK_WINDOW (self), TRUE);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
close_dialog (HandsetRecoveryDialog *self)
{
  gtk_window_destroy (GTK_WINDOW (self));
}

static gboolean
close_request (GtkWindow *window)
{
  HandsetRecoveryDialog *self = HANDSET_RECOVERY_DIALOG (window);

  /* The new key not confirmed as saved: it would be lost. */
  return g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "key") == 0 &&
         !gtk_check_button_get_active (GTK_CHECK_BUTTON (self->saved_check));
}

/* ------------------------------------------------------------ building */

static GtkWidget *
button (const char *label, gboolean suggested, GCallback callback, gpointer self)
{
  GtkWidget *widget = gtk_button_new_with_mnemonic (label);

  gtk_widget_add_css_class (widget, "pill");
  if (suggested)
    gtk_widget_add_css_class (widget, "suggested-action");
  g_signal_connect_swapped (widget, "clicked", callback, self);

  return widget;
}

static GtkWidget *
error_label (void)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_use_markup (GTK_LABEL (label), FALSE);
  gtk_widget_add_css_class (label, "error");
  gtk_widget_set_visible (label, FALSE);

  return label;
}

static GtkWidget *
page (const char *icon, const char *title, const char *description, GtkWidget *child)
{
  GtkWidget *status = adw_status_page_new ();

  adw_status_page_set_icon_name (ADW_STATUS_PAGE (status), icon);
  adw_status_page_set_title (ADW_STATUS_PAGE (status), title);
  adw_status_page_set_description (ADW_STATUS_PAGE (status), description);
  adw_status_page_set_child (ADW_STATUS_PAGE (status), child);

  return status;
}

static GtkWidget *
column (void)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);

  gtk_widget_set_halign (box, GTK_ALIGN_CENTER);
  gtk_widget_set_size_request (box, 320, -1);

  return box;
}

static GtkWidget *
buttons (GtkWidget *first, GtkWidget *second)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);

  gtk_widget_set_halign (box, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), first);
  if (second != NULL)
    gtk_box_append (GTK_BOX (box), second);

  return box;
}

static GtkWidget *
verify_page (HandsetRecoveryDialog *self)
{
  GtkWidget *box = column ();
  GtkWidget *group = adw_preferences_group_new ();

  self->key_row = adw_password_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->key_row), _ ("Recovery Key"));
  g_signal_connect_swapped (self->key_row, "entry-activated", G_CALLBACK (verify), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), self->key_row);
  gtk_box_append (GTK_BOX (box), group);
  self->verify_error = GTK_LABEL (error_label ());
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->verify_error));
  self->verify_button = button (_ ("_Verify"), TRUE, G_CALLBACK (verify), self);
  gtk_box_append (
      GTK_BOX (box),
      buttons (button (_ ("_Skip"), FALSE, G_CALLBACK (close_dialog), self), self->verify_button));

  return page ("security-high-symbolic", _ ("Verify This Device"),
               _ ("Enter your account's recovery key to confirm that this device is yours. "
                  "People who only accept verified devices can then call you here."),
               box);
}

static GtkWidget *
set_up_page (HandsetRecoveryDialog *self)
{
  GtkWidget *box = column ();

  self->password_group = adw_preferences_group_new ();
  self->password_row = adw_password_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->password_row), _ ("Password"));
  g_signal_connect_swapped (self->password_row, "entry-activated", G_CALLBACK (set_up), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->password_group), self->password_row);
  gtk_widget_set_visible (self->password_group, FALSE);
  gtk_box_append (GTK_BOX (box), self->password_group);
  self->setup_error = GTK_LABEL (error_label ());
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->setup_error));
  self->setup_button = button (_ ("Set _Up"), TRUE, G_CALLBACK (set_up), self);
  gtk_box_append (
      GTK_BOX (box),
      buttons (button (_ ("_Skip"), FALSE, G_CALLBACK (close_dialog), self), self->setup_button));

  return page ("security-high-symbolic", _ ("Set Up Recovery"),
               _ ("Your account has no recovery key yet. Handset makes one, verifies this device "
                  "with it, and shows it to you once. With it you can verify your other devices "
                  "later."),
               box);
}

static GtkWidget *
key_page (HandsetRecoveryDialog *self)
{
  GtkWidget *box = column ();
  GtkWidget *copy;

  self->key_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_selectable (self->key_label, TRUE);
  gtk_label_set_wrap (self->key_label, TRUE);
  gtk_label_set_justify (self->key_label, GTK_JUSTIFY_CENTER);
  gtk_widget_add_css_class (GTK_WIDGET (self->key_label), "monospace");
  gtk_widget_add_css_class (GTK_WIDGET (self->key_label), "title-4");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->key_label));
  copy = button (_ ("_Copy"), FALSE, G_CALLBACK (copy_key), self);
  self->copy_button = copy;
  gtk_widget_set_halign (copy, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), copy);
  self->saved_check = gtk_check_button_new_with_mnemonic (_ ("I have _saved my recovery key"));
  gtk_widget_set_halign (self->saved_check, GTK_ALIGN_CENTER);
  g_signal_connect_swapped (self->saved_check, "toggled", G_CALLBACK (saved_toggled), self);
  gtk_box_append (GTK_BOX (box), self->saved_check);
  self->done_button = button (_ ("_Done"), TRUE, G_CALLBACK (done), self);
  gtk_widget_set_sensitive (self->done_button, FALSE);
  gtk_box_append (GTK_BOX (box), buttons (self->done_button, NULL));

  return page ("dialog-password-symbolic", _ ("Save Your Recovery Key"),
               _ ("Keep it somewhere safe, such as a password manager. It is shown only now; "
                  "with it you verify your other devices."),
               box);
}

static void
handset_recovery_dialog_dispose (GObject *object)
{
  HandsetRecoveryDialog *self = HANDSET_RECOVERY_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->recovery);

  G_OBJECT_CLASS (handset_recovery_dialog_parent_class)->dispose (object);
}

static void
handset_recovery_dialog_finalize (GObject *object)
{
  HandsetRecoveryDialog *self = HANDSET_RECOVERY_DIALOG (object);

  if (self->recovery_key != NULL)
    memset (self->recovery_key, 0, strlen (self->recovery_key));
  g_free (self->recovery_key);

  G_OBJECT_CLASS (handset_recovery_dialog_parent_class)->finalize (object);
}

static void
handset_recovery_dialog_class_init (HandsetRecoveryDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = handset_recovery_dialog_dispose;
  object_class->finalize = handset_recovery_dialog_finalize;
  window_class->close_request = close_request;
}

static void
handset_recovery_dialog_init (HandsetRecoveryDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *spinner = gtk_spinner_new ();
  GtkWidget *failed;
  GtkWidget *verified;

  self->cancellable = g_cancellable_new ();
  gtk_window_set_default_size (GTK_WINDOW (self), 480, 560);
  gtk_window_set_modal (GTK_WINDOW (self), TRUE);
  gtk_window_set_title (GTK_WINDOW (self), _ ("Verify This Device"));
  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_stack_set_transition_type (self->stack, GTK_STACK_TRANSITION_TYPE_CROSSFADE);

  gtk_spinner_set_spinning (GTK_SPINNER (spinner), TRUE);
  gtk_widget_set_size_request (spinner, 32, 32);
  gtk_widget_set_valign (spinner, GTK_ALIGN_CENTER);
  gtk_widget_set_halign (spinner, GTK_ALIGN_CENTER);
  gtk_stack_add_named (self->stack, spinner, "loading");
  gtk_stack_add_named (self->stack, verify_page (self), "verify");
  gtk_stack_add_named (self->stack, set_up_page (self), "set-up");
  gtk_stack_add_named (self->stack, key_page (self), "key");
  self->close_button = button (_ ("_Close"), TRUE, G_CALLBACK (close_dialog), self);
  verified = page ("emblem-ok-symbolic", _ ("This Device Is Verified"),
                   _ ("Your other devices and the people you call can tell that it is yours."),
                   buttons (self->close_button, NULL));
  gtk_stack_add_named (self->stack, verified, "verified");
  failed = page ("network-offline-symbolic", _ ("Cannot Verify Now"),
                 _ ("Handset could not ask the homeserver about this device. Try again later from "
                    "Preferences."),
                 buttons (button (_ ("_Close"), FALSE, G_CALLBACK (close_dialog), self), NULL));
  gtk_stack_add_named (self->stack, failed, "failed");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->stack));
  adw_window_set_content (ADW_WINDOW (self), box);
}

/**
 * handset_recovery_dialog_new:
 *
 * Returns: (transfer floating): the dialog; it asks the homeserver where
 *   this device stands and shows what fits
 */
GtkWidget *
handset_recovery_dialog_new (GtkWindow *parent, HandsetRecovery *recovery)
{
  HandsetRecoveryDialog *self = g_object_new (HANDSET_TYPE_RECOVERY_DIALOG, NULL);

  self->recovery = g_object_ref (recovery);
  if (parent != NULL)
    gtk_window_set_transient_for (GTK_WINDOW (self), parent);
  handset_recovery_refresh_async (recovery, self->cancellable, refreshed_cb, self);

  return GTK_WIDGET (self);
}

/* ------------------------------------------------------------ for tests */

const char *
handset_recovery_dialog_get_page (HandsetRecoveryDialog *self)
{
  g_return_val_if_fail (HANDSET_IS_RECOVERY_DIALOG (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

/**
 * handset_recovery_dialog_get_error:
 *
 * Returns: (nullable): the error the visible page shows
 */
const char *
handset_recovery_dialog_get_error (HandsetRecoveryDialog *self)
{
  const char *page_name = handset_recovery_dialog_get_page (self);
  GtkLabel *label = g_strcmp0 (page_name, "set-up") == 0 ? self->setup_error : self->verify_error;

  if (g_strcmp0 (page_name, "failed") == 0)
    return g_object_get_data (G_OBJECT (self), "failure");
  return gtk_widget_get_visible (GTK_WIDGET (label)) ? gtk_label_get_text (label) : NULL;
}

const char *
handset_recovery_dialog_get_recovery_key (HandsetRecoveryDialog *self)
{
  g_return_val_if_fail (HANDSET_IS_RECOVERY_DIALOG (self), NULL);
  return gtk_label_get_text (self->key_label);
}

/**
 * handset_recovery_dialog_enter:
 *
 * Types @text into the visible page's entry and presses Enter: the
 * recovery key on "verify", the password on "set-up" (%NULL presses Set
 * Up without one).
 */
void
handset_recovery_dialog_enter (HandsetRecoveryDialog *self, const char *text)
{
  const char *page_name = handset_recovery_dialog_get_page (self);

  if (g_strcmp0 (page_name, "verify") == 0)
    {
      gtk_editable_set_text (GTK_EDITABLE (self->key_row), text);
      g_signal_emit_by_name (self->key_row, "entry-activated");
    }
  else if (g_strcmp0 (page_name, "set-up") == 0)
    {
      if (text != NULL)
        gtk_editable_set_text (GTK_EDITABLE (self->password_row), text);
      gtk_widget_activate (self->setup_button);
    }
}

void
handset_recovery_dialog_confirm_saved (HandsetRecoveryDialog *self)
{
  gtk_check_button_set_active (GTK_CHECK_BUTTON (self->saved_check), TRUE);
}

gboolean
handset_recovery_dialog_get_can_finish (HandsetRecoveryDialog *self)
{
  return gtk_widget_get_sensitive (self->done_button);
}

/* Presses Done on the key page. */
void
handset_recovery_dialog_finish (HandsetRecoveryDialog *self)
{
  gtk_widget_activate (self->done_button);
}
