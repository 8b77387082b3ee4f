/* Embeds the flat guest image (build/guest/guest.bin) into the tool. */
	.section .rodata.tdxb_guest, "a"
	.balign 4096
	.globl tdxb_guest_image, tdxb_guest_image_end
tdxb_guest_image:
	.incbin "build/guest/guest.bin"
tdxb_guest_image_end:
	.section .note.GNU-stack, "", @progbits
