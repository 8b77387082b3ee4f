# The x86-64 guest payload (guest-images/) -> build/guest/guest.bin, a flat
# image loaded at TDXB_GUEST_LOAD (guest-images/manifest.h), embedded into the
# tool by guest-images/image.S. Freestanding: no libc, no SSE, no red zone,
# no PIC; warnings are errors here too.

GUEST_CFLAGS := -std=gnu11 -O2 -g $(WARN) -Wno-missing-prototypes -I. -Isrc \
	-ffreestanding -nostdlib -fno-pic -fno-pie -mno-red-zone -mno-sse -mno-sse2 \
	-mno-mmx -mno-80387 -mgeneral-regs-only -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fcf-protection=none -fno-builtin \
	-mcmodel=small -MMD -MP
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,noexecstack \
	-Wl,-z,max-page-size=4096
GUEST_SRCS := $(sort $(filter-out guest-images/image.S,$(wildcard guest-images/*.c guest-images/*.S)))
GUEST_OBJS := $(patsubst %,build/guest/%.o,$(basename $(GUEST_SRCS)))

build/guest/%.o: %.c
	$(call msg,CC-G,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(GUEST_CFLAGS) -c -o $@ $<

build/guest/%.o: %.S
	$(call msg,AS-G,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(GUEST_CFLAGS) -c -o $@ $<

build/guest/guest.ld: guest-images/guest.lds guest-images/manifest.h
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -E -P -x c -I. $< -o $@

build/guest/guest.elf: $(GUEST_OBJS) build/guest/guest.ld
	$(call msg,LD-G,$@)
	$(Q)$(CC) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) -T build/guest/guest.ld -o $@ $(GUEST_OBJS)

build/guest/guest.bin: build/guest/guest.elf
	$(call msg,BIN,$@)
	$(Q)objcopy -O binary $< $@

build/obj/guest-images/image.o: guest-images/image.S build/guest/guest.bin
	$(call msg,AS,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -c -I. -o $@ $<

EXTRA_OBJS += build/obj/guest-images/image.o
