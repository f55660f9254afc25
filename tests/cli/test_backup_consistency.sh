# "vss backup" of a component whose writer never stops writing holds the
# state at the freeze instant (BK-140, spec backup.md section 2): the
# writer (vss-test-writer --write-every-ms 1) appends "SEQ MONO_NS" records
# to DIR/stream except while frozen, and logs in its freeze line
# stream_seq=S, the last record written (and fsync'd) before the freeze.
# The backed-up stream must be exactly the live stream's records 1..S:
# none after the freeze, none missing, the last one whole.  The
# before-freeze marker of this freeze is in the set, its after-thaw marker
# is not.  Five backups in a row, to catch races.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/sys.sh"

sys_require
vol=$(sys_btrfs vol)
sys_vssd
mkdir "$vol/data"
sys_writer stream --component app/stream="$vol/data" \
	--marker-dir "$vol/data" --write-every-ms 1
log=$TMP/writer-stream.log
backups=5

# field_of KEY DETAIL: the value of KEY=... in a comma-separated detail.
field_of() {
	tr ',' '\n' <<<"$2" | sed -n "s/^$1=//p"
}

for i in $(seq "$backups"); do
	set_dir=$TMP/backup-$i
	freezes_before=$(grep -c $'\tfreeze\t' "$log" || true)

	run backup --component stream:app/stream --to "$set_dir"
	expect_rc 0 "backup $i"
	[ "$rc" -eq 0 ] || continue

	# Exactly one freeze of this writer, and it succeeded.
	grep $'\tfreeze\t' "$log" | tail -n +"$((freezes_before + 1))" \
		>"$TMP/freeze"
	if [ "$(wc -l <"$TMP/freeze")" -ne 1 ]; then
		fail "backup $i: $(wc -l <"$TMP/freeze") freeze lines, expected 1"
		continue
	fi
	IFS=$'\t' read -r _ _ _ _ result detail <"$TMP/freeze"
	if [ "$result" != ok ]; then
		fail "backup $i: the writer's freeze ended '$result'"
		continue
	fi
	seq=$(field_of stream_seq "$detail")
	marker=$(field_of marker_seq "$detail")
	if [ -z "$seq" ] || [ -z "$marker" ]; then
		fail "backup $i: freeze line without stream_seq or marker_seq: $detail"
		continue
	fi

	# The set lays files out by volume index and path below the mount
	# point (cli/backupset.h); the set has one volume.
	saved=$set_dir/data/0/data
	if [ ! -f "$saved/stream" ]; then
		fail "backup $i: the set has no data/0/data/stream"
		continue
	fi

	# Records 1..seq in order, each "SEQ MONO_NS" and ending in a newline:
	# the last record is whole, none is missing or added.
	if ! awk -v n="$seq" '
		$0 !~ /^[0-9]+ [0-9]+$/ || $1 != NR { bad = 1 }
		END { exit bad || NR != n }' "$saved/stream"; then
		fail "backup $i: the saved stream is not records 1..$seq:" \
			"$(wc -l <"$saved/stream") lines, last" \
			"'$(tail -n 1 "$saved/stream")'"
	fi
	if [ -s "$saved/stream" ] &&
		[ "$(tail -c 1 "$saved/stream" | od -An -c | tr -d ' ')" != '\n' ]; then
		fail "backup $i: the saved stream's last record is cut short"
	fi
	# ... and byte for byte the live stream's first seq records.
	if ! head -n "$seq" "$vol/data/stream" | cmp -s - "$saved/stream"; then
		fail "backup $i: the saved stream differs from the live" \
			"stream's first $seq records"
	fi
	# The writer went on writing after the thaw: the live stream passes
	# the freeze point (waited for, not timed).
	for _ in $(seq 300); do
		[ "$(wc -l <"$vol/data/stream")" -gt "$seq" ] && break
		sleep 0.1
	done
	[ "$(wc -l <"$vol/data/stream")" -gt "$seq" ] ||
		fail "backup $i: the live stream did not grow past record $seq"

	# The markers: this freeze's before-freeze; no after-thaw of it (the
	# previous backup's, with a lower sequence number, may be there).
	got=missing
	[ -f "$saved/before-freeze" ] && read -r got _ <"$saved/before-freeze"
	[ "$got" = "$marker" ] ||
		fail "backup $i: before-freeze marker is '$got', expected $marker"
	if [ -f "$saved/after-thaw" ]; then
		read -r got _ <"$saved/after-thaw"
		[ "$got" -lt "$marker" ] ||
			fail "backup $i: the set holds the after-thaw marker" \
				"$got of this freeze ($marker)"
	fi

	run verify "$set_dir"
	expect_rc 0 "verify of backup $i"
done

sys_stop_writer stream
finish
