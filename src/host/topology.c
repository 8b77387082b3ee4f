/* Topology from hwloc: packages, NUMA nodes (memory, CPUs), cores, PUs. */
#include "host/host_int.h"
#include "lib/util.h"

#include <hwloc.h>
#include <stdlib.h>

/*
 * The node's memory, huge pages included. hwloc's local_memory leaves out
 * what is reserved as huge pages, so it moves whenever anyone on the host
 * resizes the hugetlb pool (a kvm run with backing=hugetlb does): that would
 * make the same machine another host record. Every page type summed is
 * the node's MemTotal.
 */
static int64_t node_memory(hwloc_obj_t node)
{
	const struct hwloc_numanode_attr_s *a = &node->attr->numanode;
	uint64_t sum = 0;

	for (unsigned i = 0; i < a->page_types_len; i++)
		sum += a->page_types[i].size * a->page_types[i].count;
	return (int64_t)(sum ? sum : a->local_memory);
}

struct json_object *host_topology_json(void)
{
	struct json_object *t = json_object_new_object(), *nodes;
	hwloc_topology_t topo;
	int n;

	if (hwloc_topology_init(&topo) || hwloc_topology_load(topo)) {
		json_object_object_add(t, "error", json_object_new_string("hwloc cannot load the topology"));
		return t;
	}
	json_object_object_add(t, "packages",
			       json_object_new_int(hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE)));
	json_object_object_add(t, "numa_nodes",
			       json_object_new_int(hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE)));
	json_object_object_add(t, "cores",
			       json_object_new_int(hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE)));
	json_object_object_add(t, "pus",
			       json_object_new_int(hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU)));
	nodes = json_object_new_array();
	n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE);
	for (int i = 0; i < n; i++) {
		hwloc_obj_t node = hwloc_get_obj_by_type(topo, HWLOC_OBJ_NUMANODE, i);
		struct json_object *o = json_object_new_object();
		char *cpus = NULL;
		json_object_object_add(o, "os_index", json_object_new_int((int)node->os_index));
		json_object_object_add(o, "memory_bytes", json_object_new_int64(node_memory(node)));
		if (node->cpuset && hwloc_bitmap_list_asprintf(&cpus, node->cpuset) >= 0) {
			json_object_object_add(o, "cpus", json_object_new_string(cpus));
			free(cpus);
		}
		json_object_array_add(nodes, o);
	}
	json_object_object_add(t, "nodes", nodes);
	hwloc_topology_destroy(topo);
	return t;
}
