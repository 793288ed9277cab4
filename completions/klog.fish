# fish completion for klog(1).
#
# Completes commands, subcommands, flags, fixed flag values, and the topic
# and group names of the data directory in effect: --dir on the command
# line, else $KLOG_DIR, else ${XDG_DATA_HOME:-$HOME/.local/share}/klog.
# Topics are the directories DIR/topics/*/ that hold a topic.json, groups
# the directories DIR/groups/*/. Names are read with globbing only: klog is
# never run and nothing is created. When a Kafka cluster is in effect
# (-b/--brokers on the line, or $KLOG_BROKERS without --dir) no names are
# offered: they are not in any directory, and asking the cluster would be
# slow.
#
# The flags below must match `klog ... --help`; tests/e2e/
# completion_test.cc checks that they do.

function __klog_subcommands --argument-names cmdpath
    switch "$cmdpath"
        case ''
            printf '%s\n' topic produce consume group offset verify dump retention mirror
        case topic
            printf '%s\n' create list describe alter delete
        case group
            printf '%s\n' list describe delete
        case offset
            printf '%s\n' reset show history commit
    end
end

# The flags of a command path that take a value ('' holds the global ones,
# which any command path takes too).
function __klog_value_flags --argument-names cmdpath
    switch "$cmdpath"
        case ''
            printf '%s\n' --dir -b --brokers -X --timeout
        case 'topic create' 'topic alter'
            printf '%s\n' -p --partitions --retention --retention-bytes --segment-bytes --segment-ms --compression --compression-level
        case 'topic describe' 'group describe'
            printf '%s\n' --format
        case produce
            printf '%s\n' --format -k --key -K --key-separator -H --header -p --partition --fsync --compression --compression-level --batch-size --linger --max-record-size
        case consume
            printf '%s\n' -o --offset -p --partition -n --max-messages --format -g --group --exec --exec-batch --auto-offset-reset --session-timeout
        case 'offset reset'
            printf '%s\n' -g --group --topic --to-offset --shift-by --to-datetime --by-duration --to-entry
        case 'offset show' 'offset commit'
            printf '%s\n' -g --group
        case 'offset history'
            printf '%s\n' -g --group -n --last
        case dump
            printf '%s\n' -p --partition -o --offset -n --max-batches
        case mirror
            printf '%s\n' --topic --group --fsync
    end
end

# Prints three lines for the words before the cursor: the command path
# ("" for klog itself), how many positional arguments were given, and 1
# when the word at the cursor is the value of a flag (else 0).
function __klog_parse
    set -l words (commandline -opc)
    set -e words[1]
    set -l cmdpath ''
    set -l npos 0
    set -l pending 0
    for w in $words
        if test $pending = 1
            set pending 0
            continue
        end
        switch $w
            case '--*=*'
                continue
            case '-*'
                if contains -- $w (__klog_value_flags "$cmdpath") (__klog_value_flags '')
                    set pending 1
                end
                continue
        end
        set -l subs (__klog_subcommands "$cmdpath")
        if test (count $subs) -gt 0 -a $npos -eq 0; and contains -- $w $subs
            set cmdpath (string trim -- "$cmdpath $w")
        else
            set npos (math $npos + 1)
        end
    end
    printf '%s\n' "$cmdpath" $npos $pending
end

# True when the command path is $argv[1].
function __klog_is
    set -l state (__klog_parse)
    test "$state[1]" = "$argv[1]"
end

# True when the command path is $argv[1], no positional argument was given
# yet and the word at the cursor is not a flag's value: a subcommand, or the
# first positional argument, goes here.
function __klog_first_arg
    set -l state (__klog_parse)
    test "$state[1]" = "$argv[1]" -a "$state[2]" = 0 -a "$state[3]" = 0
end

# True when the command path is one of $argv and the word at the cursor is
# not a flag's value.
function __klog_any_arg
    set -l state (__klog_parse)
    test "$state[3]" = 0; and contains -- "$state[1]" $argv
end

# True when the word before the cursor is $argv[1].
function __klog_prev_is
    set -l words (commandline -opc)
    test (count $words) -gt 1; and test "$words[-1]" = "$argv[1]"
end

# The data directory in effect; nothing when a cluster is (-b/--brokers
# given, or $KLOG_BROKERS set without --dir).
function __klog_data_dir
    set -l dir
    set -l want 0
    set -l brokers 0
    for w in (commandline -op)
        if test $want = 1
            set dir $w
            set want 0
        else if test "$w" = --dir
            set want 1
        else if string match -q -- '--dir=*' $w
            set dir (string replace -- '--dir=' '' $w)
        else if string match -q -r -- '^(-b|--brokers$|--brokers=)' $w
            set brokers 1
        end
    end
    test $brokers = 1; and return
    test -z "$dir"; and set -q KLOG_BROKERS; and test -n "$KLOG_BROKERS"; and return
    if test -z "$dir"
        if set -q KLOG_DIR; and test -n "$KLOG_DIR"
            set dir $KLOG_DIR
        else if set -q XDG_DATA_HOME; and test -n "$XDG_DATA_HOME"
            set dir $XDG_DATA_HOME/klog
        else
            set dir $HOME/.local/share/klog
        end
    end
    string replace -r -- '^~(?=/|$)' $HOME $dir
end

function __klog_topics
    set -l dir (__klog_data_dir)
    test -n "$dir"; or return
    for f in $dir/topics/*/topic.json $dir/topics/.*/topic.json
        basename (dirname $f)
    end
end

function __klog_groups
    set -l dir (__klog_data_dir)
    test -n "$dir"; or return
    for d in $dir/groups/*/ $dir/groups/.*/
        basename $d
    end
end

complete -c klog -f

# Every command takes -h/--help.
complete -c klog -s h -l help -d 'Print help'

# klog
complete -c klog -n '__klog_first_arg ""' -a topic -d 'Create, list, describe, alter, delete topics'
complete -c klog -n '__klog_first_arg ""' -a produce -d 'Append records from stdin or arguments'
complete -c klog -n '__klog_first_arg ""' -a consume -d 'Write records of topics to stdout'
complete -c klog -n '__klog_first_arg ""' -a group -d 'List, describe, delete consumer groups'
complete -c klog -n '__klog_first_arg ""' -a offset -d "Show, rewind, commit, undo a group's offsets"
complete -c klog -n '__klog_first_arg ""' -a verify -d 'Check checksums and indexes'
complete -c klog -n '__klog_first_arg ""' -a dump -d 'Show a partition batch by batch'
complete -c klog -n '__klog_first_arg ""' -a retention -d 'Delete segments past retention now'
complete -c klog -n '__klog_first_arg ""' -a mirror -d 'Copy topics and group offsets, keeping offsets'
complete -c klog -n '__klog_is ""' -l version -d 'Print the version'
complete -c klog -n '__klog_is ""' -l dir -x -a '(__fish_complete_directories (commandline -ct) "")' -d 'Data directory'
complete -c klog -n '__klog_is ""' -s b -l brokers -x -d 'Kafka cluster HOST:PORT[,...] instead of a directory'
set -l __klog_properties security.protocol= sasl.mechanism= sasl.username= sasl.password= ssl.ca.location= client.id=
complete -c klog -n '__klog_is ""' -s X -x -a "$__klog_properties" -d 'librdkafka property NAME=VALUE'
# After a command name fish does not know -X takes a value: offer the same
# names when it is the word before.
complete -c klog -n '__klog_prev_is -X' -a "$__klog_properties" -d 'librdkafka property'
complete -c klog -n '__klog_is ""' -l timeout -x -d 'Bound on reaching the cluster and each request'
complete -c klog -n '__klog_is ""' -s q -l quiet -d 'Print nothing but records and errors'
complete -c klog -n '__klog_is ""' -s v -l verbose -d 'Print progress notes on stderr'

# klog topic
complete -c klog -n '__klog_first_arg topic' -a create -d 'Create a topic'
complete -c klog -n '__klog_first_arg topic' -a list -d 'List topics'
complete -c klog -n '__klog_first_arg topic' -a describe -d "Show a topic's partitions and config"
complete -c klog -n '__klog_first_arg topic' -a alter -d "Change a topic's partitions or config"
complete -c klog -n '__klog_first_arg topic' -a delete -d 'Delete a topic and its records'
for sub in create alter
    complete -c klog -n "__klog_is 'topic $sub'" -s p -l partitions -x -d 'Number of partitions'
    complete -c klog -n "__klog_is 'topic $sub'" -l retention -x -d 'Delete closed segments older than this'
    complete -c klog -n "__klog_is 'topic $sub'" -l retention-bytes -x -d 'Keep at most this much per partition'
    complete -c klog -n "__klog_is 'topic $sub'" -l segment-bytes -x -d 'Roll to a new segment at this size'
    complete -c klog -n "__klog_is 'topic $sub'" -l segment-ms -x -d 'Roll to a new segment at this age'
    complete -c klog -n "__klog_is 'topic $sub'" -l compression -x -a 'zstd none' -d 'Batch compression'
    complete -c klog -n "__klog_is 'topic $sub'" -l compression-level -x -d 'zstd level 1-19'
end
complete -c klog -n "__klog_is 'topic create'" -l if-not-exists -d 'Succeed quietly if the topic exists'
complete -c klog -n "__klog_is 'topic list'" -l json -d 'One JSON document'
complete -c klog -n "__klog_is 'topic describe'" -l json -d 'One JSON document'
complete -c klog -n "__klog_is 'topic describe'" -l format -x -a 'table json prometheus' -d 'Output format'
complete -c klog -n "__klog_is 'topic delete'" -l if-exists -d 'Succeed quietly if there is no such topic'
complete -c klog -n "__klog_first_arg 'topic describe'" -a '(__klog_topics)' -d Topic
complete -c klog -n "__klog_first_arg 'topic alter'" -a '(__klog_topics)' -d Topic
complete -c klog -n "__klog_first_arg 'topic delete'" -a '(__klog_topics)' -d Topic

# klog produce
complete -c klog -n '__klog_first_arg produce' -a '(__klog_topics)' -d Topic
complete -c klog -n '__klog_is produce' -l format -x -a 'line null json' -d 'Input format'
complete -c klog -n '__klog_is produce' -s k -l key -x -d 'Key for every record'
complete -c klog -n '__klog_is produce' -s K -l key-separator -x -d 'Split records at SEP into key and value'
complete -c klog -n '__klog_is produce' -s H -l header -x -d 'Header NAME=VALUE for every record'
complete -c klog -n '__klog_is produce' -s p -l partition -x -d 'Write every record to partition N'
complete -c klog -n '__klog_is produce' -l fsync -x -a 'never batch always' -d 'When to fsync'
complete -c klog -n '__klog_is produce' -l compression -x -a 'zstd none' -d "Override the topic's compression"
complete -c klog -n '__klog_is produce' -l compression-level -x -d "Override the topic's zstd level"
complete -c klog -n '__klog_is produce' -l batch-size -x -d 'Flush once this much is pending'
complete -c klog -n '__klog_is produce' -l linger -x -d 'Wait this long for more input'
complete -c klog -n '__klog_is produce' -l max-record-size -x -d 'Refuse larger records'
complete -c klog -n '__klog_is produce' -l print-offsets -d 'Print PARTITION OFFSET per record'
complete -c klog -n '__klog_is produce' -l json -d 'With --print-offsets: JSON lines'

# klog consume
complete -c klog -n '__klog_any_arg consume' -a '(__klog_topics)' -d Topic
complete -c klog -n '__klog_is consume' -s o -l offset -x -a 'beginning end' -d 'Where to start'
complete -c klog -n '__klog_is consume' -s p -l partition -x -d 'Read only these partitions'
complete -c klog -n '__klog_is consume' -s f -l follow -d 'Wait for new records'
complete -c klog -n '__klog_is consume' -s n -l max-messages -x -d 'Stop after N records'
complete -c klog -n '__klog_is consume' -l format -x -a json -d 'Output template or json'
complete -c klog -n '__klog_is consume' -s g -l group -x -a '(__klog_groups)' -d 'Join consumer group'
complete -c klog -n '__klog_is consume' -l exec -x -d 'Run CMD per record, commit when it exits 0'
complete -c klog -n '__klog_is consume' -l exec-batch -x -d 'Records per --exec run'
complete -c klog -n '__klog_is consume' -l auto-offset-reset -x -a 'earliest latest' -d 'Start without a committed offset'
complete -c klog -n '__klog_is consume' -l session-timeout -x -d 'Expel a member silent this long'

# klog group
complete -c klog -n '__klog_first_arg group' -a list -d 'List groups with state, members and lag'
complete -c klog -n '__klog_first_arg group' -a describe -d 'Offsets, lag, owners and members'
complete -c klog -n '__klog_first_arg group' -a delete -d 'Delete a group'
complete -c klog -n "__klog_is 'group list'" -l json -d 'One JSON document'
complete -c klog -n "__klog_is 'group describe'" -l json -d 'One JSON document'
complete -c klog -n "__klog_is 'group describe'" -l format -x -a 'table json prometheus' -d 'Output format'
complete -c klog -n "__klog_first_arg 'group describe'" -a '(__klog_groups)' -d Group
complete -c klog -n "__klog_first_arg 'group delete'" -a '(__klog_groups)' -d Group

# klog offset
complete -c klog -n '__klog_first_arg offset' -a reset -d "Plan or execute a reset of a group's offsets"
complete -c klog -n '__klog_first_arg offset' -a show -d "A group's committed offsets and lag"
complete -c klog -n '__klog_first_arg offset' -a history -d 'Who moved which offset when'
complete -c klog -n '__klog_first_arg offset' -a commit -d 'Commit TOPIC:PARTITION=OFFSET'
for sub in reset show history commit
    complete -c klog -n "__klog_is 'offset $sub'" -s g -l group -x -a '(__klog_groups)' -d Group
end
complete -c klog -n "__klog_is 'offset reset'" -l topic -x -a '(__klog_topics)' -d 'Topic, or TOPIC:P[,P...]'
complete -c klog -n "__klog_is 'offset reset'" -l all-topics -d 'Every topic the group has offsets for'
complete -c klog -n "__klog_is 'offset reset'" -l to-earliest -d 'To the oldest record kept'
complete -c klog -n "__klog_is 'offset reset'" -l to-latest -d 'To the end'
complete -c klog -n "__klog_is 'offset reset'" -l to-offset -x -d 'To offset N'
complete -c klog -n "__klog_is 'offset reset'" -l shift-by -x -d 'Move by N (negative: replay)'
complete -c klog -n "__klog_is 'offset reset'" -l to-datetime -x -d 'To the first record at or after TIME'
complete -c klog -n "__klog_is 'offset reset'" -l by-duration -x -d 'To the first record of the last DURATION'
complete -c klog -n "__klog_is 'offset reset'" -l to-previous -d 'Undo the last reset'
complete -c klog -n "__klog_is 'offset reset'" -l to-entry -x -d 'Undo history entry N'
complete -c klog -n "__klog_is 'offset reset'" -l dry-run -d 'Only print the plan (default)'
complete -c klog -n "__klog_is 'offset reset'" -l execute -d 'Apply the plan'
complete -c klog -n "__klog_is 'offset reset'" -l json -d 'The plan as JSON'
complete -c klog -n "__klog_is 'offset show'" -l json -d 'One JSON document'
complete -c klog -n "__klog_is 'offset history'" -s n -l last -x -d 'Only the last N entries'
complete -c klog -n "__klog_is 'offset history'" -l json -d 'One JSON document'
complete -c klog -n "__klog_any_arg 'offset commit'" -a '(__klog_topics | string replace -r \'$\' :)' -d 'TOPIC:PARTITION=OFFSET'

# klog verify, dump, retention
complete -c klog -n '__klog_any_arg verify' -a '(__klog_topics)' -d Topic
complete -c klog -n "__klog_is verify" -l repair -d 'Cut a torn tail, rebuild bad indexes'
complete -c klog -n "__klog_is verify" -l json -d 'One JSON document'
complete -c klog -n '__klog_first_arg dump' -a '(__klog_topics)' -d Topic
complete -c klog -n "__klog_is dump" -s p -l partition -x -d Partition
complete -c klog -n "__klog_is dump" -s o -l offset -x -d 'Start at the batch holding this offset'
complete -c klog -n "__klog_is dump" -s n -l max-batches -x -d 'Show at most N batches'
complete -c klog -n "__klog_is dump" -l records -d 'Show every record too'
complete -c klog -n "__klog_is dump" -l json -d 'One JSON object per batch'
complete -c klog -n '__klog_any_arg retention' -a '(__klog_topics)' -d Topic
complete -c klog -n "__klog_is retention" -l dry-run -d 'Only show what would be deleted'
complete -c klog -n "__klog_is retention" -l json -d 'One JSON document'

# klog mirror SOURCE TARGET: directories (or kafka://HOST:PORT, typed)
complete -c klog -n '__klog_any_arg mirror' -a '(__fish_complete_directories)'
complete -c klog -n "__klog_is mirror" -l topic -x -d 'Mirror this topic'
complete -c klog -n "__klog_is mirror" -l group -x -d "Copy this group's offsets"
complete -c klog -n "__klog_is mirror" -s f -l follow -d 'Keep copying new records'
complete -c klog -n "__klog_is mirror" -l fsync -x -a 'never batch always' -d 'When to fsync a directory target'
complete -c klog -n "__klog_is mirror" -l dry-run -d 'Only print the plan'
complete -c klog -n "__klog_is mirror" -l json -d 'With --dry-run: the plan as JSON'
