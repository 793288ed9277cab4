# bash completion for klog(1)                              -*- shell-script -*-
#
# Completes commands, subcommands, flags, fixed flag values, and the topic
# and group names of the data directory in effect: --dir on the command
# line, else $KLOG_DIR, else ${XDG_DATA_HOME:-$HOME/.local/share}/klog.
# Topics are the directories DIR/topics/*/ that hold a topic.json, groups
# the directories DIR/groups/*/. Names are read with shell globbing only:
# klog is never run and nothing is created. When a Kafka cluster is in
# effect (-b/--brokers on the line, or $KLOG_BROKERS without --dir) no
# names are offered: they are not in any directory, and asking the cluster
# would be slow.
#
# The flag lists below must match `klog ... --help`; tests/e2e/
# completion_test.cc checks that they do.

# Subcommands of a command path ("" is klog itself).
_klog_subcommands() {
    case $1 in
        "") echo "topic produce consume group offset verify dump retention mirror" ;;
        topic) echo "create list describe alter delete" ;;
        group) echo "list describe delete" ;;
        offset) echo "reset show history commit" ;;
    esac
}

# Every flag of a command path.
_klog_flags() {
    case $1 in
        "") echo "-h --help --version --dir -b --brokers -X --timeout -q --quiet -v --verbose" ;;
        "topic create") echo "-h --help -p --partitions --retention --retention-bytes --segment-bytes --segment-ms --compression --compression-level --if-not-exists" ;;
        "topic list") echo "-h --help --json" ;;
        "topic describe") echo "-h --help --json --format" ;;
        "topic alter") echo "-h --help -p --partitions --retention --retention-bytes --segment-bytes --segment-ms --compression --compression-level" ;;
        "topic delete") echo "-h --help --if-exists" ;;
        produce) echo "-h --help --format -k --key -K --key-separator -H --header -p --partition --fsync --compression --compression-level --batch-size --linger --max-record-size --print-offsets --json" ;;
        consume) echo "-h --help -o --offset -p --partition -f --follow -n --max-messages --format -g --group --exec --exec-batch --auto-offset-reset --session-timeout" ;;
        "group list") echo "-h --help --json" ;;
        "group describe") echo "-h --help --json --format" ;;
        "group delete") echo "-h --help" ;;
        "offset reset") echo "-h --help -g --group --topic --all-topics --to-earliest --to-latest --to-offset --shift-by --to-datetime --by-duration --to-previous --to-entry --dry-run --execute --json" ;;
        "offset show") echo "-h --help -g --group --json" ;;
        "offset history") echo "-h --help -g --group -n --last --json" ;;
        "offset commit") echo "-h --help -g --group" ;;
        verify) echo "-h --help --repair --json" ;;
        dump) echo "-h --help -p --partition -o --offset -n --max-batches --records --json" ;;
        retention) echo "-h --help --dry-run --json" ;;
        mirror) echo "-h --help --topic --group -f --follow --fsync --dry-run --json" ;;
        *) echo "-h --help" ;;
    esac
}

# The flags of a command path that take a value ("" holds the global
# ones, which any command path takes too).
_klog_value_flags() {
    case $1 in
        "") echo "--dir -b --brokers -X --timeout" ;;
        "topic create" | "topic alter") echo "-p --partitions --retention --retention-bytes --segment-bytes --segment-ms --compression --compression-level" ;;
        "topic describe" | "group describe") echo "--format" ;;
        produce) echo "--format -k --key -K --key-separator -H --header -p --partition --fsync --compression --compression-level --batch-size --linger --max-record-size" ;;
        consume) echo "-o --offset -p --partition -n --max-messages --format -g --group --exec --exec-batch --auto-offset-reset --session-timeout" ;;
        "offset reset") echo "-g --group --topic --to-offset --shift-by --to-datetime --by-duration --to-entry" ;;
        "offset show" | "offset commit") echo "-g --group" ;;
        "offset history") echo "-g --group -n --last" ;;
        dump) echo "-p --partition -o --offset -n --max-batches" ;;
        mirror) echo "--topic --group --fsync" ;;
    esac
}

# What the positional arguments of a command path are: "topic" (one topic),
# "topics" (any number), "group", "offsets" (TOPIC:PARTITION=OFFSET),
# "locations" (mirror's SOURCE and TARGET: directories, or kafka://...), or
# nothing.
_klog_positional() {
    case $1 in
        "topic describe" | "topic alter" | "topic delete" | produce | dump) echo topic ;;
        consume | verify | retention) echo topics ;;
        "group describe" | "group delete") echo group ;;
        "offset commit") echo offsets ;;
        mirror) echo locations ;;
    esac
}

# Is word $1 one of the words in $2?
_klog_in() {
    local w
    for w in $2; do [[ $w == "$1" ]] && return 0; done
    return 1
}

# The data directory in effect for the words of the command line ($@);
# nothing when a cluster is (-b/--brokers given, or $KLOG_BROKERS set
# without --dir).
_klog_data_dir() {
    local dir="" w want=0 brokers=0
    for w in "$@"; do
        if ((want)); then
            dir=$w
            want=0
        elif [[ $w == --dir ]]; then
            want=1
        elif [[ $w == --dir=* ]]; then
            dir=${w#--dir=}
        elif [[ $w == -b* || $w == --brokers || $w == --brokers=* ]]; then
            brokers=1
        fi
    done
    ((brokers)) && return 0
    [[ -z $dir && -n ${KLOG_BROKERS-} ]] && return 0
    if [[ -z $dir ]]; then
        if [[ -n ${KLOG_DIR-} ]]; then
            dir=$KLOG_DIR
        else
            dir=${XDG_DATA_HOME:-$HOME/.local/share}/klog
        fi
    fi
    # Quotes and a leading ~ as the shell would take them.
    dir=${dir#[\"\']}
    dir=${dir%[\"\']}
    [[ $dir == "~" || $dir == "~/"* ]] && dir=$HOME${dir#\~}
    printf '%s\n' "$dir"
}

# Topic (kind "topics") or group (kind "groups") names in directory $1
# (none for "": a cluster).
_klog_names() {
    [[ -z $1 ]] && return 0
    local restore f name
    restore=$(shopt -p nullglob failglob dotglob)
    [[ $- == *f* ]] && restore+="; set -f"
    set +f
    shopt -s nullglob dotglob
    shopt -u failglob
    if [[ $2 == topics ]]; then
        for f in "$1"/topics/*/topic.json; do
            f=${f%/topic.json}
            name=${f##*/}
            [[ $name != . && $name != .. ]] && printf '%s\n' "$name"
        done
    else
        for f in "$1"/groups/*/; do
            f=${f%/}
            name=${f##*/}
            [[ $name != . && $name != .. ]] && printf '%s\n' "$name"
        done
    fi
    eval "$restore"
}

# Values for flag $2 of command path $1, given the words of the line in
# the remaining arguments. Sets the caller's _klog_vals (candidates) and
# _klog_mode ("words", "dirs": complete directories, or "none").
_klog_flag_values() {
    local path=$1 flag=$2
    shift 2
    _klog_vals=()
    _klog_mode=words
    case "$path|$flag" in
        *"|--dir") _klog_mode=dirs ;;
        *"|-X")
            # Common property names; the value is the user's.
            _klog_vals=(security.protocol= sasl.mechanism= sasl.username= sasl.password= ssl.ca.location= client.id=)
            compopt -o nospace 2>/dev/null
            ;;
        *"|--compression") _klog_vals=(zstd none) ;;
        "topic describe|--format" | "group describe|--format") _klog_vals=(table json prometheus) ;;
        "produce|--format") _klog_vals=(line null json) ;;
        "produce|--fsync" | "mirror|--fsync") _klog_vals=(never batch always) ;;
        "consume|--format") _klog_vals=(json) ;;
        "consume|-o" | "consume|--offset") _klog_vals=(beginning end) ;;
        "consume|--auto-offset-reset") _klog_vals=(earliest latest) ;;
        *"|-g" | *"|--group")
            local dir
            dir=$(_klog_data_dir "$@")
            mapfile -t _klog_vals < <(_klog_names "$dir" groups)
            ;;
        "offset reset|--topic")
            local dir
            dir=$(_klog_data_dir "$@")
            mapfile -t _klog_vals < <(_klog_names "$dir" topics)
            ;;
        *) _klog_mode=none ;;
    esac
}

_klog() {
    COMPREPLY=()
    # Words as the user sees them: bash splits "--dir=/x" and "t:0=1" at
    # '=' and ':' (COMP_WORDBREAKS); glue such pieces back together.
    local line=$COMP_LINE pos=0 i n=-1 w glued
    local -a words=()
    local cword=0
    for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
        w=${COMP_WORDS[i]}
        glued=1
        while ((pos < ${#line})) && [[ ${line:pos:1} == [[:space:]] ]]; do
            ((pos++))
            glued=0
        done
        if ((i > 0 && glued && n >= 0)) && [[ $w == [=:]* || ${words[n]} == *[=:] ]]; then
            words[n]+=$w
        else
            ((n++))
            words[n]=$w
        fi
        ((pos += ${#w}))
        ((i == COMP_CWORD)) && cword=$n
    done
    local cur=${words[cword]}
    local piece=${COMP_WORDS[COMP_CWORD]}

    # Walk the words before the current one: command path, positionals,
    # and whether the current word is the value of a flag.
    local path="" npos=0 pending="" subs
    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        if [[ -n $pending ]]; then
            pending=""
            continue
        fi
        if [[ $w == -* ]]; then
            [[ $w == *=* ]] && continue
            if _klog_in "$w" "$(_klog_value_flags "$path") $(_klog_value_flags "")"; then
                pending=$w
            fi
            continue
        fi
        subs=$(_klog_subcommands "$path")
        if [[ -n $subs ]] && ((npos == 0)) && _klog_in "$w" "$subs"; then
            path=${path:+$path }$w
        else
            ((npos++))
        fi
    done

    local -a cands=() _klog_vals=()
    local prefix="" mode=words _klog_mode=words
    if [[ -n $pending ]]; then
        _klog_flag_values "$path" "$pending" "${words[@]}"
        mode=$_klog_mode
        cands=("${_klog_vals[@]}")
        # -X NAME=: the value is the user's.
        [[ $pending == -X && $cur == *=* ]] && cands=()
        [[ $mode == dirs ]] && mapfile -t cands < <(compgen -d -- "$cur")
    elif [[ $cur == -*=* ]]; then
        _klog_flag_values "$path" "${cur%%=*}" "${words[@]}"
        mode=$_klog_mode
        prefix=${cur%%=*}=
        cands=("${_klog_vals[@]}")
        [[ $mode == dirs ]] && mapfile -t cands < <(compgen -d -- "${cur#*=}")
        cur=${cur#*=}
    elif [[ $cur == -* ]]; then
        read -r -a cands <<<"$(_klog_flags "$path")"
    else
        subs=$(_klog_subcommands "$path")
        if [[ -n $subs ]]; then
            read -r -a cands <<<"$subs"
        else
            local dir
            dir=$(_klog_data_dir "${words[@]}")
            case $(_klog_positional "$path") in
                topic) ((npos == 0)) && mapfile -t cands < <(_klog_names "$dir" topics) ;;
                topics) mapfile -t cands < <(_klog_names "$dir" topics) ;;
                group) ((npos == 0)) && mapfile -t cands < <(_klog_names "$dir" groups) ;;
                locations) ((npos < 2)) && mapfile -t cands < <(compgen -d -- "$cur") && mode=dirs ;;
                offsets)
                    if [[ $cur != *:* ]]; then
                        mapfile -t cands < <(_klog_names "$dir" topics)
                        cands=("${cands[@]/%/:}")
                        compopt -o nospace 2>/dev/null
                    fi
                    ;;
            esac
        fi
    fi
    [[ $mode == none ]] && return 0

    local c
    for c in "${cands[@]}"; do
        [[ $c == "$cur"* ]] && COMPREPLY+=("$prefix$c")
    done
    [[ $mode == dirs ]] && compopt -o filenames 2>/dev/null
    # Only the last piece of a word split at '=' or ':' is replaced.
    local before=${words[cword]%"$piece"}
    if [[ -n $before ]]; then
        for i in "${!COMPREPLY[@]}"; do
            COMPREPLY[i]=${COMPREPLY[i]#"$before"}
        done
    fi
    return 0
}

complete -F _klog klog
