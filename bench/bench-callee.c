/* bench-callee.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The callee of bench-calls' two-process rows: one Handset device in a
 * process of its own, which answers each call as soon as it rings and
 * tells bench-calls, one line each on stdout, with g_get_monotonic_time()
 * (CLOCK_MONOTONIC, the same clock in both processes):
 *
 *   ready
 *   rang T
 *   answered T
 *   heard T
 *   stages BUILT HANDED ACCEPTED ICE DTLS RTP OUT
 *
 * (0 for a stage not reached). The account comes on stdin, one line
 * "USER_ID DEVICE_ID ACCESS_TOKEN", never on the command line; then the
 * room's ID on the next. It ends when stdin closes.
 *
 * Needs HANDSET_TEST_HOMESERVER.
 */

#include "config.h"

#include <gio/gunixinputstream.h>
#include <stdio.h>

#include "bench-stages.h"
#include "handset-test-device.h"
#include "handset-test-util.h"

#define CALLEE_TONE "audiotestsrc is-live=true wave=sine freq=880 volume=0.5"
#define WAIT_S      30

static BenchStages stages;
static gboolean stdin_closed;

static HandsetMedia *
make_media (gboolean video, gpointer user_data, GError **error)
{
  HandsetTestDevice *device = user_data;
  HandsetMediaSession *media = handset_media_session_new (video, error);

  if (media == NULL)
    return NULL;
  handset_media_session_set_audio_source (media, handset_test_source (CALLEE_TONE));
  handset_test_device_use_media (device, media, NULL);
  /* Heard as a person would: each buffer when the clock says it plays. */
  handset_media_session_set_audio_sink (media, handset_test_tone_create_synced_sink (device->tone));
  bench_stages_watch_media (&stages, media);
  return HANDSET_MEDIA (media);
}

static void say (const char *format, ...) G_GNUC_PRINTF (1, 2);

static void
say (const char *format, ...)
{
  va_list args;

  va_start (args, format);
  vprintf (format, args);
  va_end (args);
  putchar ('\n');
  fflush (stdout);
}

static void
on_incoming (HandsetCallManager *manager, HandsetCall *call, HandsetTestDevice *device)
{
  gint64 rang = g_get_monotonic_time ();

  bench_stages_reset (&stages);
  handset_test_tone_reset (device->tone);
  say ("rang %" G_GINT64_FORMAT, rang);
  say ("answered %" G_GINT64_FORMAT, g_get_monotonic_time ());
  handset_call_answer (call, FALSE);
}

static gboolean
heard (gpointer data)
{
  return handset_test_tone_get_first_sound_time (data) != 0;
}

static gboolean
heard_or_closed (gpointer data)
{
  return stdin_closed || heard (data);
}

static void
on_stdin (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autofree char *line =
      g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (object), result, NULL, NULL);

  if (line == NULL)
    {
      stdin_closed = TRUE;
      return;
    }
  g_data_input_stream_read_line_async (G_DATA_INPUT_STREAM (object), G_PRIORITY_DEFAULT, NULL,
                                       on_stdin, NULL);
}

static gboolean
room_ready (gpointer data)
{
  HandsetTestDevice *device = ((gpointer *) data)[0];
  HandsetRoom *room = handset_rooms_lookup (device->rooms, ((gpointer *) data)[1]);

  return room != NULL && handset_room_get_n_members (room) == 2;
}

int
main (int argc, char *argv[])
{
  g_autoptr (GInputStream) raw = g_unix_input_stream_new (0, FALSE);
  g_autoptr (GDataInputStream) in = g_data_input_stream_new (raw);
  g_autofree char *account = NULL;
  g_autofree char *room_id = NULL;
  g_auto (GStrv) fields = NULL;
  HandsetTestUser *user = g_new0 (HandsetTestUser, 1);
  HandsetTestDevice *device;
  gpointer ready_data[2];

  gst_init (&argc, &argv);
  g_setenv ("HANDSET_ICE_ADDRESSES", "127.0.0.1", FALSE);
  account = g_data_input_stream_read_line_utf8 (in, NULL, NULL, NULL);
  room_id = g_data_input_stream_read_line_utf8 (in, NULL, NULL, NULL);
  if (account == NULL || room_id == NULL ||
      g_strv_length (fields = g_strsplit (account, " ", 3)) != 3)
    {
      g_printerr ("bench-callee: no account on stdin\n");
      return 2;
    }
  user->user_id = g_strdup (fields[0]);
  user->device_id = g_strdup (fields[1]);
  user->access_token = g_strdup (fields[2]);
  user->password = g_strdup ("");
  /* The certificate of DTLS is made once per process, before the first
   * call as in bench-calls. */
  gst_object_unref (gst_element_factory_make ("dtlsdec", NULL));

  device = handset_test_device_new (user, FALSE, make_media, NULL);
  g_signal_connect (device->manager, "incoming-call", G_CALLBACK (on_incoming), device);
  bench_stages_watch_device (&stages, device);
  ready_data[0] = device;
  ready_data[1] = room_id;
  if (!handset_test_wait_until (room_ready, ready_data, WAIT_S))
    g_error ("the callee does not know the room");
  g_data_input_stream_read_line_async (in, G_PRIORITY_DEFAULT, NULL, on_stdin, NULL);
  say ("ready");

  while (!stdin_closed)
    {
      if (!handset_test_wait_until (heard_or_closed, device->tone, 3600) || stdin_closed)
        break;
      say ("heard %" G_GINT64_FORMAT, handset_test_tone_get_first_sound_time (device->tone));
      /* The stages the call passed, once it has passed them all. */
      handset_test_run_for (200);
      say ("stages %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT
           " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT,
           stages.answer_built, stages.answer_handed, stages.answer_accepted, stages.ice_connected,
           stages.dtls_connected, stages.first_rtp, stages.first_out);
      handset_test_tone_reset (device->tone);
    }
  handset_test_device_free (device);
  return 0;
}
