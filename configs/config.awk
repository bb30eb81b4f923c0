# SPDX-License-Identifier: MIT
# Turn Kconfig + .config into config.h with no Kconfig tool: every symbol
# of Kconfig gets ENABLE_X (0/1) and IF_X(...); int and string symbols get
# CONFIG_X.  Symbols missing from .config take Kconfig's default.
# Usage: awk -f configs/config.awk Kconfig .config > obj/config.h

FNR == 1 { file++ }

file == 1 && $1 == "config" { sym = $2; order[++n] = sym; next }
file == 1 && sym != "" && ($1 == "bool" || $1 == "int" || $1 == "string") {
	type[sym] = $1; next
}
file == 1 && sym != "" && $1 == "default" && !(sym in val) {
	v = $2
	if (type[sym] == "bool")
		v = (v == "y") ? "y" : "n"
	val[sym] = v; next
}

file == 2 && /^CONFIG_[A-Za-z0-9_]+=/ {
	s = $0; sub(/^CONFIG_/, "", s)
	name = s; sub(/=.*/, "", name)
	v = s; sub(/^[^=]*=/, "", v)
	if (!(name in type)) {
		printf("config.awk: .config:%d: unknown symbol %s\n", FNR, name) > "/dev/stderr"
		bad = 1
	}
	val[name] = v; next
}
file == 2 && /^# CONFIG_[A-Za-z0-9_]+ is not set/ {
	name = $2; sub(/^CONFIG_/, "", name)
	val[name] = "n"; next
}
file == 2 && !/^[ \t]*(#.*)?$/ {
	printf("config.awk: .config:%d: cannot parse: %s\n", FNR, $0) > "/dev/stderr"
	bad = 1
}

END {
	if (bad)
		exit 1
	print "/* Generated from Kconfig and .config by configs/config.awk. */"
	print "#ifndef FX_CONFIG_H"
	print "#define FX_CONFIG_H"
	summary = ""
	for (i = 1; i <= n; i++) {
		s = order[i]; v = val[s]
		if (type[s] == "bool") {
			on = (v == "y")
			printf("#define ENABLE_%s %d\n", s, on)
			if (on) {
				printf("#define CONFIG_%s 1\n", s)
				printf("#define IF_%s(...) __VA_ARGS__\n", s)
				printf("#define IF_NOT_%s(...)\n", s)
			} else {
				printf("#define IF_%s(...)\n", s)
				printf("#define IF_NOT_%s(...) __VA_ARGS__\n", s)
			}
			summary = summary (on ? " +" : " -") tolower(s)
		} else {
			printf("#define ENABLE_%s 1\n", s)
			printf("#define CONFIG_%s %s\n", s, v)
			gsub(/"/, "", v)
			summary = summary " " tolower(s) "=" v
		}
	}
	sub(/^ /, "", summary)
	printf("#define FX_CONFIG_SUMMARY \"%s\"\n", summary)
	print "#endif"
}
